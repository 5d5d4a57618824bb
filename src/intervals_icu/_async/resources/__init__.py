"""One module per API area; each method calls one spec operation (see ``@operation``)."""

from intervals_icu._async.resources.activities import AsyncActivities
from intervals_icu._async.resources.athletes import AsyncAthletes
from intervals_icu._async.resources.chats import AsyncChats
from intervals_icu._async.resources.custom_items import AsyncCustomItems
from intervals_icu._async.resources.events import AsyncEvents
from intervals_icu._async.resources.gear import AsyncGear
from intervals_icu._async.resources.library import AsyncLibrary
from intervals_icu._async.resources.oauth import AsyncOAuth
from intervals_icu._async.resources.routes import AsyncRoutes
from intervals_icu._async.resources.shared_events import AsyncSharedEvents
from intervals_icu._async.resources.sport_settings import AsyncSportSettings
from intervals_icu._async.resources.weather import AsyncWeather
from intervals_icu._async.resources.wellness import AsyncWellness

__all__ = [
    "AsyncActivities",
    "AsyncAthletes",
    "AsyncChats",
    "AsyncCustomItems",
    "AsyncEvents",
    "AsyncGear",
    "AsyncLibrary",
    "AsyncOAuth",
    "AsyncRoutes",
    "AsyncSharedEvents",
    "AsyncSportSettings",
    "AsyncWeather",
    "AsyncWellness",
]
