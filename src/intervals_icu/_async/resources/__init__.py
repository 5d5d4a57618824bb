"""One module per API area; each method calls one spec operation (see ``@operation``)."""

from intervals_icu._async.resources.activities import AsyncActivitiesResource
from intervals_icu._async.resources.athletes import AsyncAthletesResource
from intervals_icu._async.resources.chats import AsyncChatsResource
from intervals_icu._async.resources.custom_items import AsyncCustomItemsResource
from intervals_icu._async.resources.events import AsyncEventsResource
from intervals_icu._async.resources.gear import AsyncGearResource
from intervals_icu._async.resources.library import AsyncLibraryResource
from intervals_icu._async.resources.oauth import AsyncOAuthResource
from intervals_icu._async.resources.routes import AsyncRoutesResource
from intervals_icu._async.resources.shared_events import AsyncSharedEventsResource
from intervals_icu._async.resources.sport_settings import AsyncSportSettingsResource
from intervals_icu._async.resources.weather import AsyncWeatherResource
from intervals_icu._async.resources.wellness import AsyncWellnessResource

__all__ = [
    "AsyncActivitiesResource",
    "AsyncAthletesResource",
    "AsyncChatsResource",
    "AsyncCustomItemsResource",
    "AsyncEventsResource",
    "AsyncGearResource",
    "AsyncLibraryResource",
    "AsyncOAuthResource",
    "AsyncRoutesResource",
    "AsyncSharedEventsResource",
    "AsyncSportSettingsResource",
    "AsyncWeatherResource",
    "AsyncWellnessResource",
]
