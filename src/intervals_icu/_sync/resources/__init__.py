# Generated from src/intervals_icu/_async/resources/__init__.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""One module per API area; each method calls one spec operation (see ``@operation``)."""

from intervals_icu._sync.resources.activities import ActivitiesResource
from intervals_icu._sync.resources.athletes import AthletesResource
from intervals_icu._sync.resources.chats import ChatsResource
from intervals_icu._sync.resources.custom_items import CustomItemsResource
from intervals_icu._sync.resources.events import EventsResource
from intervals_icu._sync.resources.gear import GearResource
from intervals_icu._sync.resources.library import LibraryResource
from intervals_icu._sync.resources.oauth import OAuthResource
from intervals_icu._sync.resources.routes import RoutesResource
from intervals_icu._sync.resources.shared_events import SharedEventsResource
from intervals_icu._sync.resources.sport_settings import SportSettingsResource
from intervals_icu._sync.resources.weather import WeatherResource
from intervals_icu._sync.resources.wellness import WellnessResource

__all__ = [
    "ActivitiesResource",
    "AthletesResource",
    "ChatsResource",
    "CustomItemsResource",
    "EventsResource",
    "GearResource",
    "LibraryResource",
    "OAuthResource",
    "RoutesResource",
    "SharedEventsResource",
    "SportSettingsResource",
    "WeatherResource",
    "WellnessResource",
]
