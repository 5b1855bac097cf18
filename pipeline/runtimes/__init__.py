"""The reference runtimes a model's int8 outputs are checked against (DESIGN.md: references)."""
