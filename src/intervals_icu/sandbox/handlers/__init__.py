"""Route handlers, one module per API area. Importing this package registers them all."""

from intervals_icu.sandbox.handlers import (  # noqa: F401
    activities,
    activity_analytics,
    activity_files,
    activity_streams,
    analysis_models,
    athlete_curves,
    athletes,
    chats,
    custom_items,
    events,
    gear,
    library,
    routes,
    shared_events,
    sport_settings,
    weather,
    wellness,
)
