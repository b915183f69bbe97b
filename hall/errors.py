"""One error type for everything a person or API client can get wrong.

Each error has a stable `code` for API clients and a sentence in Chinese
(and English) that says what to do next.
"""


class HallError(Exception):
    """A refused action: `code` is stable, `message` is a sentence for people."""

    def __init__(self, code: str, message: str, message_en: str = "", status: int = 409):
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_en = message_en or message
        self.status = status

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "message_en": self.message_en}}


class ConfigError(Exception):
    """A hall configuration mistake, told as one sentence naming key, value and what is expected.

    `field`, when known, is the key's place in the configuration's data ("windows[2].services"),
    so the administration pages show the sentence next to that field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
