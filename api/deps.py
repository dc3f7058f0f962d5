"""What routes get injected: the knowledge base the app was created with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kb.service import KnowledgeBase
from kb.settings import Settings


def get_knowledge_base(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge_base


def get_settings(request: Request) -> Settings:
    return request.app.state.knowledge_base.settings


KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(get_knowledge_base)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
