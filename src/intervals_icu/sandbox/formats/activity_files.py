"""Activity files: write real FIT (and GPX) files from streams; parse FIT, TCX, GPX, zip, gz.

FIT files are written with fit-tool: it defines every message and encodes all but the 1 Hz
records. Records are many and identical in shape, so their bytes are packed column-wise
with numpy from the record definition fit-tool produced (same field ids, base types, scale
and offset), which keeps a four-hour ride well under a second. The file parses with any
FIT reader (the tests read it back with fitdecode). FIT files are read with fitdecode.
"""

from __future__ import annotations

import functools
import gzip
import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
from fit_tool.data_message import DataMessage
from fit_tool.definition_message import DefinitionMessage
from fit_tool.fit_file_header import FitFileHeader
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.messages.sport_message import SportMessage
from fit_tool.profile.profile_type import (
    Activity,
    Event,
    EventType,
    FileType,
    Manufacturer,
    Sport,
    SubSport,
)
from fit_tool.record import Record
from fit_tool.utils.crc import crc16

__all__ = [
    "ParsedActivity",
    "parse_activity_file",
    "write_fit",
    "write_gpx",
    "write_multisport_fit",
]

MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""Refuse archives that unpack to more than this (a zip bomb is not an activity)."""

_FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_SEMICIRCLES = 2**31 / 180.0
_GAP_SECONDS = 10
"""Gaps up to this many seconds are filled at 1 Hz; longer ones are recording pauses."""


@dataclass
class ParsedActivity:
    """One activity read from a file (a multisport file gives several)."""

    sport: str
    start: datetime
    """UTC-aware start time."""
    streams: dict[str, list[Any]] = field(default_factory=dict)
    device_name: str | None = None


# -- sports -------------------------------------------------------------------------------------

_TO_FIT: dict[str, tuple[Sport, SubSport]] = {
    "Ride": (Sport.CYCLING, SubSport.ROAD),
    "VirtualRide": (Sport.CYCLING, SubSport.VIRTUAL_ACTIVITY),
    "GravelRide": (Sport.CYCLING, SubSport.GRAVEL_CYCLING),
    "MountainBikeRide": (Sport.CYCLING, SubSport.MOUNTAIN),
    "Run": (Sport.RUNNING, SubSport.GENERIC),
    "VirtualRun": (Sport.RUNNING, SubSport.VIRTUAL_ACTIVITY),
    "TrailRun": (Sport.RUNNING, SubSport.TRAIL),
    "Swim": (Sport.SWIMMING, SubSport.LAP_SWIMMING),
    "OpenWaterSwim": (Sport.SWIMMING, SubSport.OPEN_WATER),
    "WeightTraining": (Sport.TRAINING, SubSport.STRENGTH_TRAINING),
    "Walk": (Sport.WALKING, SubSport.GENERIC),
    "Hike": (Sport.HIKING, SubSport.GENERIC),
    "Rowing": (Sport.ROWING, SubSport.GENERIC),
    "Transition": (Sport.TRANSITION, SubSport.GENERIC),
}
_FROM_FIT_SUB = {
    ("cycling", "virtual_activity"): "VirtualRide", ("cycling", "indoor_cycling"): "VirtualRide",
    ("cycling", "gravel_cycling"): "GravelRide", ("cycling", "mountain"): "MountainBikeRide",
    ("running", "virtual_activity"): "VirtualRun", ("running", "treadmill"): "VirtualRun",
    ("running", "trail"): "TrailRun", ("swimming", "open_water"): "OpenWaterSwim",
    ("training", "strength_training"): "WeightTraining", ("training", "yoga"): "Yoga",
    ("rowing", "indoor_rowing"): "VirtualRow",
}
_FROM_FIT = {
    "cycling": "Ride", "e_biking": "EBikeRide", "running": "Run", "swimming": "Swim",
    "walking": "Walk", "hiking": "Hike", "rowing": "Rowing", "training": "Workout",
    "fitness_equipment": "Workout", "transition": "Transition", "cross_country_skiing":
    "NordicSki", "alpine_skiing": "AlpineSki", "paddling": "Canoeing", "generic": "Other",
}
_TEXT_SPORTS = {
    "biking": "Ride", "cycling": "Ride", "ride": "Ride", "virtualride": "VirtualRide",
    "running": "Run", "run": "Run", "trailrun": "TrailRun", "walking": "Walk", "walk": "Walk",
    "hiking": "Hike", "hike": "Hike", "swimming": "Swim", "swim": "Swim",
    "weighttraining": "WeightTraining", "other": "Other", "mountain_biking": "MountainBikeRide",
    "road_biking": "Ride", "gravel_cycling": "GravelRide", "rowing": "Rowing",
}


def _sport_name(sport: Any, sub_sport: Any) -> str:
    main = str(sport).lower() if sport is not None else "generic"
    sub = str(sub_sport).lower() if sub_sport is not None else "generic"
    return _FROM_FIT_SUB.get((main, sub)) or _FROM_FIT.get(main, "Other")


# -- writing FIT --------------------------------------------------------------------------------


def _fit_ms(moment: datetime) -> int:
    """fit-tool takes date-times as milliseconds since the Unix epoch."""
    return round(moment.timestamp() * 1000)


def _start(activity: dict[str, Any]) -> datetime:
    text = str(activity.get("start_date") or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"activity {activity.get('id')} has no valid start_date: {text!r}"
                         ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@functools.cache
def _crc_table() -> tuple[int, ...]:
    # fit-tool's CRC (the FIT SDK's nibble table) over one byte from zero gives the
    # byte-wise table of the same reflected CRC-16.
    return tuple(crc16(bytes([b]), 0) for b in range(256))


def _crc(data: bytes, crc: int = 0) -> int:
    table = _crc_table()
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


_NUMPY_TYPES = {"SINT8": "i1", "UINT8": "u1", "SINT16": "<i2", "UINT16": "<u2",
                "SINT32": "<i4", "UINT32": "<u4", "ENUM": "u1", "UINT8Z": "u1",
                "UINT16Z": "<u2", "UINT32Z": "<u4", "BYTE": "u1"}


class _FitWriter:
    """Assembles a FIT file: fit-tool encodes definitions and messages; records are packed."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.defined: dict[int, DefinitionMessage] = {}

    def add(self, message: DataMessage, local_id: int) -> None:
        message.local_id = local_id
        definition = DefinitionMessage.from_data_message(message)
        previous = self.defined.get(local_id)
        if previous is None or not previous.supports(definition):
            self.parts.append(Record.from_message(definition).to_bytes())
            self.defined[local_id] = definition
        message.set_definition_message(self.defined[local_id])
        self.parts.append(Record.from_message(message).to_bytes())

    def add_records(self, columns: dict[str, np.ndarray], timestamps_ms: np.ndarray,
                    local_id: int) -> None:
        """Pack one record per timestamp; ``columns`` map RecordMessage attribute names to
        values in the profile's units (NaN = invalid)."""
        template = RecordMessage(local_id=local_id)
        template.timestamp = int(timestamps_ms[0])
        for name, values in columns.items():
            finite = values[np.isfinite(values)]
            setattr(template, name, float(finite[0]) if finite.size else 0.0)
        definition = DefinitionMessage.from_data_message(template)
        self.parts.append(Record.from_message(definition).to_bytes())
        self.defined[local_id] = definition
        by_id = {f.field_id: f for f in template.fields}
        names = {f.field_id: f.name for f in template.fields}
        count = timestamps_ms.size
        layout: list[tuple[str, str]] = [("header", "u1")]
        values_by_field: list[tuple[str, np.ndarray, Any]] = []
        for item in definition.field_definitions:
            fit_field = by_id[item.field_id]
            dtype = _NUMPY_TYPES[fit_field.base_type.name]
            key = f"f{item.field_id}"
            layout.append((key, dtype))
            name = names[item.field_id]
            source = timestamps_ms.astype(np.float64) if name == "timestamp" else columns[name]
            values_by_field.append((key, source, fit_field))
        packed = np.zeros(count, dtype=np.dtype(layout))
        packed["header"] = local_id & 0x0F
        for key, source, fit_field in values_by_field:
            target = packed.dtype[key]
            raw = (source + float(fit_field.offset or 0)) * float(fit_field.scale or 1)
            info = np.iinfo(target)
            invalid = info.max  # FIT's "invalid" is the type's maximum, signed or not
            ok = np.isfinite(raw)
            clean = np.clip(np.rint(np.where(ok, raw, 0.0)), info.min, info.max - 1)
            packed[key] = np.where(ok, clean, invalid).astype(target)
        self.parts.append(packed.tobytes())

    def to_bytes(self) -> bytes:
        body = b"".join(self.parts)
        header = FitFileHeader(records_size=len(body), gen_crc=True).to_bytes()
        crc = _crc(body, _crc(header))
        return bytes(header) + body + crc.to_bytes(2, "little")


def _record_columns(streams: dict[str, list[Any]], count: int) -> dict[str, np.ndarray]:
    def column(name: str) -> np.ndarray | None:
        values = streams.get(name)
        if values is None or len(values) != count:
            return None
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    columns: dict[str, np.ndarray] = {}
    latlng = streams.get("latlng")
    if latlng is not None and len(latlng) == count:
        pairs = np.array([(p[0], p[1]) if p is not None and p[0] is not None else
                          (np.nan, np.nan) for p in latlng], dtype=np.float64).reshape(-1, 2)
        columns["position_lat"], columns["position_long"] = pairs[:, 0], pairs[:, 1]
    for stream, name in (("heartrate", "heart_rate"), ("cadence", "cadence"),
                         ("distance", "distance"), ("velocity_smooth", "enhanced_speed"),
                         ("watts", "power"), ("altitude", "enhanced_altitude"),
                         ("temp", "temperature"), ("grade_smooth", "grade")):
        values = column(stream)
        if values is not None:
            columns[name] = values
    return columns


def _session_fields(message: SessionMessage | LapMessage, activity: dict[str, Any],
                    start: datetime, elapsed: float, timer: float) -> None:
    message.start_time = _fit_ms(start)
    message.timestamp = _fit_ms(start + timedelta(seconds=elapsed))
    message.total_elapsed_time = elapsed
    message.total_timer_time = timer
    message.event = Event.LAP if isinstance(message, LapMessage) else Event.SESSION
    message.event_type = EventType.STOP
    for key, attribute in (("distance", "total_distance"), ("average_heartrate",
                           "avg_heart_rate"), ("max_heartrate", "max_heart_rate"),
                           ("icu_average_watts", "avg_power"), ("calories", "total_calories"),
                           ("total_elevation_gain", "total_ascent"),
                           ("total_elevation_loss", "total_descent"),
                           ("average_speed", "enhanced_avg_speed"),
                           ("max_speed", "enhanced_max_speed")):
        value = activity.get(key)
        if value is not None and hasattr(message, attribute):
            setattr(message, attribute, value)
    if activity.get("average_cadence") is not None:
        message.avg_cadence = round(activity["average_cadence"])
    if isinstance(message, SessionMessage) and activity.get("icu_weighted_avg_watts"):
        message.normalized_power = activity["icu_weighted_avg_watts"]


def write_fit(activity: dict[str, Any], streams: dict[str, list[Any]]) -> bytes:
    """A real FIT activity file of ``activity`` with its 1 Hz ``streams``."""
    return write_multisport_fit([(activity, streams)])


def write_multisport_fit(parts: list[tuple[dict[str, Any], dict[str, list[Any]]]]) -> bytes:
    """One FIT file with a session per part (a brick or a triathlon: several activities)."""
    if not parts:
        raise ValueError("write_multisport_fit needs at least one activity")
    first_start = _start(parts[0][0])
    writer = _FitWriter()
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 1
    file_id.serial_number = 0x1CE5A4D
    file_id.time_created = _fit_ms(first_start)
    writer.add(file_id, 0)
    device = DeviceInfoMessage()
    device.timestamp = _fit_ms(first_start)
    device.device_index = 0
    device.manufacturer = Manufacturer.DEVELOPMENT.value
    device.product_name = str(parts[0][0].get("device_name") or "intervals-icu sandbox")[:40]
    writer.add(device, 1)
    total_timer = 0.0
    last_end = first_start
    for index, (activity, streams) in enumerate(parts):
        start = _start(activity)
        time_values = streams.get("time") or []
        count = len(time_values)
        sport, sub_sport = _TO_FIT.get(str(activity.get("type")), (Sport.GENERIC,
                                                                    SubSport.GENERIC))
        sport_message = SportMessage()
        sport_message.sport = sport
        sport_message.sub_sport = sub_sport
        writer.add(sport_message, 2)
        begin = EventMessage()
        begin.timestamp = _fit_ms(start)
        begin.event = Event.TIMER
        begin.event_type = EventType.START
        writer.add(begin, 3)
        if count:
            offsets = np.array([float(t) for t in time_values])
            stamps = _fit_ms(start) + offsets * 1000.0
            writer.add_records(_record_columns(streams, count), stamps, 4)
            elapsed = float(offsets[-1] - offsets[0] + 1)
        else:
            elapsed = float(activity.get("elapsed_time") or 0)
        moving = streams.get("moving")
        timer = float(sum(1 for m in moving if m)) if moving and len(moving) == count else (
            float(activity.get("moving_time") or elapsed))
        end = EventMessage()
        end.timestamp = _fit_ms(start + timedelta(seconds=elapsed))
        end.event = Event.TIMER
        end.event_type = EventType.STOP_ALL
        writer.add(end, 3)
        lap = LapMessage()
        lap.message_index = index
        _session_fields(lap, activity, start, elapsed, timer)
        writer.add(lap, 5)
        session = SessionMessage()
        session.message_index = index
        session.sport = sport
        session.sub_sport = sub_sport
        session.first_lap_index = index
        session.num_laps = 1
        _session_fields(session, activity, start, elapsed, timer)
        writer.add(session, 6)
        total_timer += timer
        last_end = max(last_end, start + timedelta(seconds=elapsed))
    summary = ActivityMessage()
    summary.timestamp = _fit_ms(last_end)
    summary.total_timer_time = total_timer
    summary.num_sessions = len(parts)
    summary.type = Activity.MANUAL
    summary.event = Event.ACTIVITY
    summary.event_type = EventType.STOP
    offset = parts[0][0].get("start_date_local")
    if offset:
        # local_timestamp is plain FIT seconds of the wall-clock time (no zone).
        local = datetime.fromisoformat(str(offset)).replace(tzinfo=UTC)
        summary.local_timestamp = round((local + (last_end - first_start)
                                         - _FIT_EPOCH).total_seconds())
    writer.add(summary, 7)
    return writer.to_bytes()


# -- writing GPX --------------------------------------------------------------------------------

_GPX_NS = "http://www.topografix.com/GPX/1/1"
_TPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"


def write_gpx(activity: dict[str, Any], streams: dict[str, list[Any]]) -> bytes:
    """A GPX 1.1 track: lat/lon, elevation, time; heart rate and cadence as Garmin's
    TrackPointExtension, power as ``<power>`` (the common convention)."""
    latlng = streams.get("latlng")
    if not latlng:
        raise ValueError(f"activity {activity.get('id')} has no GPS positions (no latlng "
                         "stream), so it has no GPX track")
    ET.register_namespace("", _GPX_NS)
    ET.register_namespace("gpxtpx", _TPX_NS)
    start = _start(activity)
    root = ET.Element(f"{{{_GPX_NS}}}gpx", {"version": "1.1",
                                             "creator": str(activity.get("device_name")
                                                            or "intervals-icu sandbox")})
    metadata = ET.SubElement(root, f"{{{_GPX_NS}}}metadata")
    ET.SubElement(metadata, f"{{{_GPX_NS}}}time").text = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    track = ET.SubElement(root, f"{{{_GPX_NS}}}trk")
    ET.SubElement(track, f"{{{_GPX_NS}}}name").text = str(activity.get("name") or "Activity")
    ET.SubElement(track, f"{{{_GPX_NS}}}type").text = str(activity.get("type") or "Other")
    segment = ET.SubElement(track, f"{{{_GPX_NS}}}trkseg")
    times = streams.get("time") or list(range(len(latlng)))
    altitude = streams.get("altitude")
    heartrate = streams.get("heartrate")
    cadence = streams.get("cadence")
    watts = streams.get("watts")
    for i, pair in enumerate(latlng):
        if pair is None or pair[0] is None:
            continue
        point = ET.SubElement(segment, f"{{{_GPX_NS}}}trkpt",
                              {"lat": f"{pair[0]:.6f}", "lon": f"{pair[1]:.6f}"})
        if altitude and altitude[i] is not None:
            ET.SubElement(point, f"{{{_GPX_NS}}}ele").text = f"{altitude[i]:.1f}"
        moment = start + timedelta(seconds=float(times[i]))
        ET.SubElement(point, f"{{{_GPX_NS}}}time").text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        hr = heartrate[i] if heartrate else None
        cad = cadence[i] if cadence else None
        power = watts[i] if watts else None
        if hr is None and cad is None and power is None:
            continue
        extensions = ET.SubElement(point, f"{{{_GPX_NS}}}extensions")
        if power is not None:
            ET.SubElement(extensions, f"{{{_GPX_NS}}}power").text = str(int(power))
        if hr is not None or cad is not None:
            tpx = ET.SubElement(extensions, f"{{{_TPX_NS}}}TrackPointExtension")
            if hr is not None:
                ET.SubElement(tpx, f"{{{_TPX_NS}}}hr").text = str(int(hr))
            if cad is not None:
                ET.SubElement(tpx, f"{{{_TPX_NS}}}cad").text = str(int(cad))
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


# -- parsing ------------------------------------------------------------------------------------


def parse_activity_file(filename: str, content: bytes) -> list[ParsedActivity]:
    """Read .fit, .tcx, .gpx, or a .zip / .gz of those; ``ValueError`` if unreadable.

    Streams come back at 1 Hz (short gaps filled, pauses kept as jumps in ``time``), with
    ``latlng`` as [lat, lng] pairs and ``moving`` derived from speed.
    """
    results = list(_parse(filename, content, depth=0))
    if not results:
        raise ValueError(f"{filename!r} holds no activity: upload a .fit, .tcx or .gpx file, "
                         "or a .zip/.gz of them")
    return results


def _kind(filename: str, content: bytes) -> str:
    name = filename.lower()
    for suffix in (".zip", ".gz", ".fit", ".tcx", ".gpx"):
        if name.endswith(suffix):
            return suffix[1:]
    if content[:4] == b"PK\x03\x04":
        return "zip"
    if content[:2] == b"\x1f\x8b":
        return "gz"
    if len(content) >= 12 and content[8:12] == b".FIT":
        return "fit"
    head = content[:2048].lower()
    if b"<trainingcenterdatabase" in head:
        return "tcx"
    if b"<gpx" in head:
        return "gpx"
    raise ValueError(f"{filename!r} is not a supported activity file: upload a .fit, .tcx or "
                     ".gpx file, or a .zip/.gz of them")


def _parse(filename: str, content: bytes, *, depth: int) -> Iterator[ParsedActivity]:
    if depth > 2:
        raise ValueError(f"{filename!r}: archives nested too deep")
    kind = _kind(filename, content)
    if kind == "zip":
        yield from _parse_zip(filename, content, depth)
    elif kind == "gz":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(content)) as handle:
                inner = handle.read(MAX_UNPACKED_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{filename!r} is not a readable gzip file: {exc}") from None
        if len(inner) > MAX_UNPACKED_BYTES:
            raise ValueError(f"{filename!r} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        inner_name = filename[:-3] if filename.lower().endswith(".gz") else filename
        yield from _parse(inner_name, inner, depth=depth + 1)
    elif kind == "fit":
        yield from _parse_fit(filename, content)
    elif kind == "tcx":
        yield from _parse_tcx(filename, content)
    else:
        yield from _parse_gpx(filename, content)


def _parse_zip(filename: str, content: bytes, depth: int) -> Iterator[ParsedActivity]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{filename!r} is not a readable zip file: {exc}") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()
                   and not m.filename.startswith("__MACOSX/")
                   and m.filename.lower().endswith((".fit", ".tcx", ".gpx", ".gz"))]
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ValueError(f"{filename!r} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        for member in sorted(members, key=lambda m: m.filename):
            yield from _parse(member.filename, archive.read(member), depth=depth + 1)


def _check_fit_crc(filename: str, content: bytes) -> None:
    """Verify each (possibly chained) FIT file's CRC with the byte table: fitdecode's own
    check works byte by byte through its nibble table and doubles the parse time."""
    offset = 0
    while offset < len(content):
        if len(content) - offset < 14 and offset:
            return  # trailing padding after a complete file
        header_size = content[offset]
        if header_size not in (12, 14) or content[offset + 8:offset + 12] != b".FIT":
            raise ValueError(f"{filename!r} is not a FIT file (bad header)")
        data_size = int.from_bytes(content[offset + 4:offset + 8], "little")
        end = offset + header_size + data_size
        if end + 2 > len(content):
            raise ValueError(f"{filename!r} is a truncated FIT file")
        if _crc(content[offset:end]) != int.from_bytes(content[end:end + 2], "little"):
            raise ValueError(f"{filename!r} is a corrupt FIT file (CRC mismatch)")
        offset = end + 2


def _fit_frames(filename: str, content: bytes) -> Iterator[Any]:
    import fitdecode

    _check_fit_crc(filename, content)
    try:
        with fitdecode.FitReader(io.BytesIO(content),
                                 check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                    yield frame
    except fitdecode.FitError as exc:
        raise ValueError(f"{filename!r} is not a readable FIT file: {exc}") from None


def _values(frame: Any) -> dict[str, Any]:
    return {f.name: f.value for f in frame.fields if f.value is not None}


def _parse_fit(filename: str, content: bytes) -> Iterator[ParsedActivity]:
    records: list[dict[str, Any]] = []
    sessions: list[tuple[datetime, float, str]] = []
    sports: list[str] = []
    device: str | None = None
    manufacturer: str | None = None
    for frame in _fit_frames(filename, content):
        name = frame.name
        values = _values(frame)
        if name == "record":
            moment = values.get("timestamp")
            if isinstance(moment, datetime):
                records.append({
                    "time": moment,
                    "lat": values.get("position_lat"), "lng": values.get("position_long"),
                    "altitude": values.get("enhanced_altitude", values.get("altitude")),
                    "heartrate": values.get("heart_rate"), "cadence": values.get("cadence"),
                    "distance": values.get("distance"),
                    "speed": values.get("enhanced_speed", values.get("speed")),
                    "watts": values.get("power"), "temp": values.get("temperature"),
                })
        elif name == "session":
            start = values.get("start_time")
            if isinstance(start, datetime):
                sessions.append((_utc(start), float(values.get("total_elapsed_time") or 0.0),
                                 _sport_name(values.get("sport"), values.get("sub_sport"))))
        elif name == "sport":
            sports.append(_sport_name(values.get("sport"), values.get("sub_sport")))
        elif name == "device_info" and device is None and values.get("product_name"):
            device = str(values["product_name"])
        elif name == "file_id" and values.get("manufacturer") is not None:
            manufacturer = str(values["manufacturer"])
    if device is None and manufacturer and manufacturer not in {"development", "None"}:
        device = manufacturer.replace("_", " ").title()
    for row in records:
        row["time"] = _utc(row["time"])
        for key in ("lat", "lng"):
            if row[key] is not None:
                row[key] = float(row[key]) / _SEMICIRCLES
    if not records and not sessions:
        raise ValueError(f"{filename!r} is a FIT file with no activity records or sessions")
    if not sessions:
        start = records[0]["time"] if records else datetime.now(UTC)
        sessions = [(start, math.inf, sports[0] if sports else "Other")]
    ordered = sorted(sessions)
    for index, (start, elapsed, sport) in enumerate(ordered):
        # A session without a usable duration runs until the next one starts.
        following = ordered[index + 1][0] if index + 1 < len(ordered) else None
        stop = (start + timedelta(seconds=elapsed) if math.isfinite(elapsed) and elapsed > 0
                else following)
        rows = [r for r in records if r["time"] >= start and (stop is None or r["time"] <= stop)
                and (following is None or r["time"] < following)]
        yield ParsedActivity(sport=sport, start=start, streams=_streams(rows, start, sport),
                             device_name=device)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _xml_root(filename: str, content: bytes) -> ET.Element:
    if b"<!DOCTYPE" in content[:4096].upper() or b"<!ENTITY" in content.upper():
        raise ValueError(f"{filename!r}: XML with a DOCTYPE or entities is not accepted")
    try:
        return ET.fromstring(content)  # noqa: S314 - no DOCTYPE/entities (checked above)
    except ET.ParseError as exc:
        raise ValueError(f"{filename!r} is not well-formed XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _find(element: ET.Element, *path: str) -> ET.Element | None:
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _descendants(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _number(element: ET.Element | None) -> float | None:
    if element is None or element.text is None:
        return None
    try:
        return float(element.text.strip())
    except ValueError:
        return None


def _text(element: ET.Element | None) -> str | None:
    return element.text if element is not None else None


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return _utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _parse_tcx(filename: str, content: bytes) -> Iterator[ParsedActivity]:
    root = _xml_root(filename, content)
    if _local(root.tag) != "TrainingCenterDatabase":
        raise ValueError(f"{filename!r} is not a TCX file (no TrainingCenterDatabase)")
    activities = _descendants(root, "Activity")
    if not activities:
        raise ValueError(f"{filename!r} is a TCX file with no Activity")
    for activity in activities:
        sport = _TEXT_SPORTS.get((activity.get("Sport") or "other").lower(), "Other")
        creator = _find(activity, "Creator", "Name")
        rows: list[dict[str, Any]] = []
        for point in _descendants(activity, "Trackpoint"):
            moment = _timestamp(_text(_find(point, "Time")))
            if moment is None:
                continue
            speed = next((_number(e) for e in _descendants(point, "Speed")), None)
            watts = next((_number(e) for e in _descendants(point, "Watts")), None)
            rows.append({
                "time": moment,
                "lat": _number(_find(point, "Position", "LatitudeDegrees")),
                "lng": _number(_find(point, "Position", "LongitudeDegrees")),
                "altitude": _number(_find(point, "AltitudeMeters")),
                "distance": _number(_find(point, "DistanceMeters")),
                "heartrate": _number(_find(point, "HeartRateBpm", "Value")),
                "cadence": _number(_find(point, "Cadence")) or next(
                    (_number(e) for e in _descendants(point, "RunCadence")), None),
                "speed": speed, "watts": watts, "temp": None,
            })
        start = _timestamp(_text(_find(activity, "Id"))) or (rows[0]["time"] if rows else None)
        if start is None:
            raise ValueError(f"{filename!r}: a TCX Activity has no start time")
        yield ParsedActivity(sport=sport, start=start, streams=_streams(rows, start, sport),
                             device_name=creator.text.strip() if creator is not None
                             and creator.text else None)


def _parse_gpx(filename: str, content: bytes) -> Iterator[ParsedActivity]:
    root = _xml_root(filename, content)
    if _local(root.tag) != "gpx":
        raise ValueError(f"{filename!r} is not a GPX file (no gpx root element)")
    tracks = _children(root, "trk")
    if not tracks:
        raise ValueError(f"{filename!r} is a GPX file with no track")
    for track in tracks:
        kind = _find(track, "type")
        sport = _TEXT_SPORTS.get((kind.text or "").strip().lower() if kind is not None else "",
                                 "Ride")
        rows: list[dict[str, Any]] = []
        for point in _descendants(track, "trkpt"):
            moment = _timestamp(_text(_find(point, "time")))
            if moment is None:
                continue
            try:
                lat, lng = float(point.get("lat", "")), float(point.get("lon", ""))
            except ValueError:
                continue
            rows.append({
                "time": moment, "lat": lat, "lng": lng, "altitude": _number(_find(point, "ele")),
                "distance": None, "speed": None,
                "heartrate": next((_number(e) for e in _descendants(point, "hr")), None),
                "cadence": next((_number(e) for e in _descendants(point, "cad")), None),
                "watts": next((_number(e) for e in _descendants(point, "power")), None),
                "temp": next((_number(e) for e in _descendants(point, "atemp")), None),
            })
        if not rows:
            raise ValueError(f"{filename!r}: the GPX track has no timed points")
        yield ParsedActivity(sport=sport, start=rows[0]["time"],
                             streams=_streams(rows, rows[0]["time"], sport),
                             device_name=root.get("creator"))


# -- rows to 1 Hz streams -----------------------------------------------------------------------

_INT_STREAMS = {"heartrate", "cadence", "watts", "temp"}


def _haversine(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    lat_r, lng_r = np.radians(lat), np.radians(lng)
    dlat, dlng = np.diff(lat_r), np.diff(lng_r)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat_r[:-1]) * np.cos(lat_r[1:]) * np.sin(dlng / 2) ** 2
    steps = 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    result: np.ndarray = np.concatenate(([0.0], np.cumsum(np.nan_to_num(steps))))
    return result


def _streams(rows: list[dict[str, Any]], start: datetime, sport: str) -> dict[str, list[Any]]:
    if not rows:
        return {}
    seconds = np.array([(r["time"] - start).total_seconds() for r in rows])
    order = np.argsort(seconds, kind="stable")
    seconds = np.rint(seconds[order]).astype(np.int64)
    keep = np.concatenate(([True], np.diff(seconds) > 0)) & (seconds >= 0)
    seconds = seconds[keep]
    picked = [rows[i] for i in order[keep]]
    if seconds.size == 0:
        return {}
    # 1 Hz grid: fill gaps of up to _GAP_SECONDS, keep longer pauses as jumps in time.
    breaks = np.flatnonzero(np.diff(seconds) > _GAP_SECONDS)
    pieces = np.split(np.arange(seconds.size), breaks + 1)
    grid = np.concatenate([np.arange(seconds[p[0]], seconds[p[-1]] + 1) for p in pieces])

    def column(key: str) -> np.ndarray | None:
        raw = np.array([np.nan if r.get(key) is None else float(r[key]) for r in picked])
        if not np.isfinite(raw).any():
            return None
        out = np.full(grid.size, np.nan)
        position = 0
        for piece in pieces:
            span = np.arange(seconds[piece[0]], seconds[piece[-1]] + 1)
            values, times = raw[piece], seconds[piece]
            ok = np.isfinite(values)
            if ok.any():
                out[position:position + span.size] = np.interp(span, times[ok], values[ok])
            position += span.size
        return out

    streams: dict[str, list[Any]] = {"time": grid.tolist()}
    lat, lng = column("lat"), column("lng")
    distance = column("distance")
    if distance is None and lat is not None and lng is not None:
        distance = _haversine(np.nan_to_num(lat), np.nan_to_num(lng))
    speed = column("speed")
    if speed is None and distance is not None:
        gaps = np.diff(grid, prepend=grid[0] - 1).astype(np.float64)
        speed = np.clip(np.diff(distance, prepend=distance[0]) / np.maximum(gaps, 1), 0, None)
        speed = np.convolve(np.nan_to_num(speed), np.ones(5) / 5.0, mode="same")
    for key in ("watts", "heartrate", "cadence"):
        values = column(key)
        if values is not None:
            streams[key] = _as_list(values, integer=True)
    if distance is not None:
        streams["distance"] = _as_list(np.round(distance, 1))
    altitude = column("altitude")
    if altitude is not None:
        streams["altitude"] = _as_list(np.round(altitude, 1))
    if lat is not None and lng is not None:
        streams["latlng"] = [None if not (np.isfinite(a) and np.isfinite(b)) else
                             [round(float(a), 6), round(float(b), 6)]
                             for a, b in zip(lat, lng, strict=True)]
    if speed is not None:
        streams["velocity_smooth"] = _as_list(np.round(speed, 3))
        streams["moving"] = (np.nan_to_num(speed) > 0.3).tolist()
    else:
        power = streams.get("watts")
        streams["moving"] = ([bool(p) for p in power] if power is not None
                             and sport not in {"Run", "Swim", "Walk"} else [True] * grid.size)
    if altitude is not None and distance is not None:
        rise = np.diff(altitude, prepend=altitude[0])
        run = np.diff(distance, prepend=distance[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            grade = np.where(run > 0.5, rise / run * 100.0, 0.0)
        grade = np.convolve(np.nan_to_num(grade), np.ones(15) / 15.0, mode="same")
        streams["grade_smooth"] = _as_list(np.round(np.clip(grade, -40, 40), 1))
    temp = column("temp")
    if temp is not None:
        streams["temp"] = _as_list(temp, integer=True)
    return streams


def _as_list(values: np.ndarray, *, integer: bool = False) -> list[Any]:
    if integer:
        return [None if not np.isfinite(v) else round(v) for v in values.tolist()]
    return [None if not np.isfinite(v) else v for v in values.tolist()]
