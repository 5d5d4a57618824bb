"""The platform's rules, apart from HTTP: what Intervals.icu does to the data when it is
read or written. Handlers parse a request, call in here, and shape the reply; the seed
generator and the simulated devices use the same functions, so every path that creates or
changes a record follows the same rules.

One module per rule: ``records`` (partial updates, ``fields=``, CSV), ``activities``
(create/update/delete, Strava stubs, analysis after an upload or a stream edit),
``summary`` and ``metrics`` (the Activity summary from streams), ``intervals`` (interval
detection and statistics), ``streams`` (1 Hz streams from recipes), ``activity_math``
(curves, histograms, best efforts), ``fitness`` (CTL/ATL), ``wellness`` (wellness writes),
``curves`` (the athlete's curve sets), ``calendar`` (event writes), ``planned_workouts`` and
``workout_doc`` (planned workouts and their documents), and the rest named by their area.
"""
