"""The one error QAT raises for a model it cannot quantize."""

from pipeline.errors import UserError


class QuantizeError(UserError):
    """A layer (or model structure) with no faithful int8 QAT equivalent.

    `layer_name` / `layer_class` name the culprit when there is one; the message always
    carries both, so the CLI's one-line report says which layer to change.
    """

    def __init__(self, problem: str, fix: str = "", layer=None):
        self.layer_name = getattr(layer, "name", None)
        self.layer_class = type(layer).__name__ if layer is not None else None
        if layer is not None:
            problem = f"layer '{self.layer_name}' ({self.layer_class}): {problem}"
        super().__init__(problem, fix)
