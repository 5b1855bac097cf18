/* Every int8 kernel of the edgedistill AOT compiler. Generated model.c includes only this. */
#ifndef ED_KERNELS_H
#define ED_KERNELS_H

#include "add.h"
#include "concatenation.h"
#include "conv.h"
#include "depthwise_conv.h"
#include "dequantize.h"
#include "fully_connected.h"
#include "logistic.h"
#include "mean.h"
#include "mul.h"
#include "pad.h"
#include "pooling.h"
#include "quantize.h"
#include "relu.h"
#include "softmax.h"
#include "tanh.h"
#include "transpose.h"

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define ED_ALIGN16 _Alignas(16)
#else
#define ED_ALIGN16 __attribute__((aligned(16)))
#endif

#endif
