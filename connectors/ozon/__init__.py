"""Placeholder Ozon connector (replaced by the connectors work)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from mpsync.connector.base import Connector


class _Credentials(BaseModel):
    model_config = ConfigDict(extra="allow")


class OzonConnector(Connector):
    name = "ozon"
    credentials_model = _Credentials
