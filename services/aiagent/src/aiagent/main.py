"""``livechat-aiagent``: run the aiagent service."""

from livechat_shared.serve import serve

from .app import create_app
from .settings import Settings


def main() -> None:
    serve(create_app, Settings())
