"""Custom actions, one thin module per feature; the logic lives in ``anninh``."""
