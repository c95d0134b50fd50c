"""Custom Rasa input/output channels of Zalo An ninh (see channels/zalo for the Zalo OA connector)."""
