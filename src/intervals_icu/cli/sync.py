"""placeholder"""


def sync() -> None:
    """Not yet."""
