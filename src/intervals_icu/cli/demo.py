"""placeholder"""


def demo() -> None:
    """Not yet."""
