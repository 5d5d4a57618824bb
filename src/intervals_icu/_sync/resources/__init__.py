# Generated from src/intervals_icu/_async/resources/__init__.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""One module per API area; each method calls one spec operation (see ``@operation``)."""

from intervals_icu._sync.resources.activities import Activities
from intervals_icu._sync.resources.athletes import Athletes
from intervals_icu._sync.resources.chats import Chats
from intervals_icu._sync.resources.custom_items import CustomItems
from intervals_icu._sync.resources.events import Events
from intervals_icu._sync.resources.gear import Gear
from intervals_icu._sync.resources.library import Library
from intervals_icu._sync.resources.oauth import OAuth
from intervals_icu._sync.resources.routes import Routes
from intervals_icu._sync.resources.shared_events import SharedEvents
from intervals_icu._sync.resources.sport_settings import SportSettings
from intervals_icu._sync.resources.weather import Weather
from intervals_icu._sync.resources.wellness import Wellness

__all__ = [
    "Activities",
    "Athletes",
    "Chats",
    "CustomItems",
    "Events",
    "Gear",
    "Library",
    "OAuth",
    "Routes",
    "SharedEvents",
    "SportSettings",
    "Weather",
    "Wellness",
]
