"""Write a deterministic Sparkify-like dataset, in the real data's layout and with its quirks.

The demo runs on this, not on the real files (which the project does not ship). Quirks kept
from the real sample (see ../shared/data/sparkify/PROVENANCE.md):

- logs: one newline-delimited file per UTC day, ``log_data/YYYY/MM/YYYY-MM-DD-events.json``,
  no newline at the end, compact JSON with ``\\/`` escapes; ``userId`` is a string, ``""`` for
  logged-out events (whose names, gender, location, registration and userAgent are null);
  non-NextSong events have null artist, song and length; ``registration`` is a float in ms,
  ``ts`` an integer in ms; userAgent values wrapped in literal double quotes; some artists in
  double-encoded UTF-8 (mojibake); some song titles with stray spaces; users who upgrade from
  free to paid mid-month;
- songs: one object per file under ``song_data/X/Y/Z/``, ``year`` 0 when unknown, null
  coordinates and empty locations, non-ASCII written as ``\\u`` escapes; one file is
  pretty-printed over several lines, as some public copies are;
- ``log_json_path.json`` listing the 18 event fields.

Same seed, same bytes. Each day's events depend only on the seed and the date, so any day can
be generated on its own: ``tools/sample_feed.py`` uses that to write today's file as the day
goes, for the local stacks' hourly schedule.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

EVENT_FIELDS = [
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level",
    "location", "method", "page", "registration", "sessionId", "song", "status", "ts",
    "userAgent", "userId",
]  # fmt: skip

FIRST_NAMES = ["Ava", "Liam", "Zoë", "Noah", "Mia", "Ethan", "Chloé", "Lucas", "Ivy", "Omar"]
LAST_NAMES = ["Garcia", "Nguyen", "O'Brien", "Müller", "Smith", "Rossi", "Kowalski", "Chen"]
LOCATIONS = [
    "San Francisco-Oakland-Hayward, CA",
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Chicago-Naperville-Elgin, IL-IN-WI",
    "Atlanta-Sandy Springs-Roswell, GA",
    "Portland-Vancouver-Hillsboro, OR-WA",
]
USER_AGENTS = [
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.143 Safari/537.36"',
    '"Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0"',
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2",
]
ARTIST_WORDS = ["Velvet", "Echo", "Café", "Lunar", "Static", "Björk-ish", "Paper", "Neon"]
TITLE_WORDS = ["Night", "River", "Señorita", "Ghost", "Summer", "Radio", "Gold", "Fire", "Rain"]
OTHER_PAGES = ["Home", "Settings", "Help", "About", "Thumbs Up", "Add to Playlist"]


def _code(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as Latin-1, as in some of the real logs' artist names."""
    return text.encode("utf-8").decode("latin-1")


def make_songs(rng: random.Random, count: int) -> list[dict]:
    artists = []
    for _ in range(max(1, count * 3 // 4)):
        artists.append(
            {
                "artist_id": _code(rng, "AR"),
                "artist_name": f"{rng.choice(ARTIST_WORDS)} {rng.choice(ARTIST_WORDS)}",
                "artist_latitude": round(rng.uniform(-60, 60), 5) if rng.random() < 0.5 else None,
                "artist_longitude": round(rng.uniform(-150, 150), 5)
                if rng.random() < 0.5
                else None,
                "artist_location": rng.choice(["", "London, England", "Memphis, TN", "Tokyo"]),
            }
        )
    songs = []
    for number in range(count):
        artist = artists[number % len(artists)]
        songs.append(
            {
                "num_songs": 1,
                **{k: artist[k] for k in ("artist_id", "artist_latitude", "artist_longitude")},
                "artist_location": artist["artist_location"],
                "artist_name": artist["artist_name"],
                "song_id": _code(rng, "SO"),
                "title": f"{rng.choice(TITLE_WORDS)} {rng.choice(TITLE_WORDS)} {number}",
                "duration": round(rng.uniform(90, 420), 5),
                "year": rng.choice([0, 0, 1969, 1987, 1999, 2004, 2008]),
                "track_id": _code(rng, "TR")[:18],
            }
        )
    return songs


def _song_file(song: dict) -> tuple[str, str]:
    track = song.pop("track_id")
    return f"song_data/{track[2]}/{track[3]}/{track[4]}/{track}.json", json.dumps(song)


def make_users(rng: random.Random, count: int) -> list[dict]:
    users = []
    for number in range(count):
        users.append(
            {
                "userId": str(number + 2),
                "firstName": rng.choice(FIRST_NAMES),
                "lastName": rng.choice(LAST_NAMES),
                "gender": rng.choice(["F", "M"]),
                "location": rng.choice(LOCATIONS),
                "userAgent": rng.choice(USER_AGENTS),
                "registration": float(1540000000000 + rng.randrange(10**9) * 796 % 10**9),
                "level": "paid" if rng.random() < 0.25 else "free",
                "upgrades": rng.random() < 0.15,
            }
        )
    return users


def _play_of(rng: random.Random, songs: list[dict]) -> tuple[str, str, float]:
    """(artist, song, length): a catalogue song a third of the time, else an unknown one."""
    if rng.random() < 0.33:
        song = rng.choice(songs)
        return song["artist_name"], song["title"], song["duration"]
    artist = f"{rng.choice(ARTIST_WORDS)} {rng.choice(TITLE_WORDS)}"
    if rng.random() < 0.05:
        artist = _mojibake(artist)
    title = f"{rng.choice(TITLE_WORDS)} of {rng.choice(TITLE_WORDS)}"
    if rng.random() < 0.02:
        title = f" {title} "
    return artist, title, round(rng.uniform(60, 600), 5)


def _session_hour(rng: random.Random) -> int:
    """Most listening happens in the afternoon and evening, UTC; some happens at any hour."""
    if rng.random() < 0.25:
        return rng.randrange(24)
    return min(23, max(0, int(rng.gauss(16, 4))))


def _level_on(user: dict, day: dt.date) -> str:
    """Users who upgrade do so mid-month, as some in the real logs do."""
    return "paid" if user["level"] == "paid" or (user["upgrades"] and day.day >= 15) else "free"


def make_day_events(
    rng: random.Random, day: dt.date, users: list[dict], songs: list[dict], sessions: int
) -> list[dict]:
    events = []
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    for _ in range(sessions):
        user = rng.choice(users)
        level = _level_on(user, day)
        session_id = rng.randrange(1, 10**4)
        hour = _session_hour(rng)
        ts = int((midnight + dt.timedelta(hours=hour, seconds=rng.randrange(3600))).timestamp())
        ts = ts * 1000 + 796
        for item in range(rng.randint(2, 12)):
            page = "NextSong" if rng.random() < 0.82 else rng.choice(OTHER_PAGES)
            artist, title, length = _play_of(rng, songs) if page == "NextSong" else (None,) * 3
            events.append(
                {
                    "artist": artist,
                    "auth": "Logged In",
                    "firstName": user["firstName"],
                    "gender": user["gender"],
                    "itemInSession": item,
                    "lastName": user["lastName"],
                    "length": length,
                    "level": level,
                    "location": user["location"],
                    "method": "PUT" if page == "NextSong" else "GET",
                    "page": page,
                    "registration": user["registration"],
                    "sessionId": session_id,
                    "song": title,
                    "status": 200,
                    "ts": ts,
                    "userAgent": user["userAgent"],
                    "userId": user["userId"],
                }
            )
            ts += int(length * 1000) if length else rng.randrange(1000, 60000)
        if rng.random() < 0.2:
            events.append(_logged_out_event(rng, session_id, ts))
    day_end = int((midnight + dt.timedelta(days=1)).timestamp() * 1000)
    return sorted((e for e in events if e["ts"] < day_end), key=lambda e: e["ts"])


def _logged_out_event(rng: random.Random, session_id: int, ts: int) -> dict:
    event = dict.fromkeys(EVENT_FIELDS)
    event.update(
        {
            "auth": "Logged Out",
            "itemInSession": rng.randint(0, 3),
            "level": "free",
            "method": "GET",
            "page": rng.choice(["Home", "Login"]),
            "sessionId": session_id,
            "status": 200,
            "ts": ts,
            "userId": "",
        }
    )
    return event


def _compact(event: dict) -> str:
    line = json.dumps({field: event[field] for field in EVENT_FIELDS}, separators=(",", ":"))
    return line.replace("/", "\\/")


@dataclass(frozen=True)
class SampleApp:
    """The app's fixed world, from a seed: its song catalogue and its users.

    Everything it writes is a function of the seed (and the date, for a day file).
    """

    songs: list[dict]
    users: list[dict]
    sessions_per_day: int
    seed: int

    @classmethod
    def create(
        cls,
        *,
        songs: int = 60,
        users: int = 40,
        sessions_per_day: int = 120,
        seed: int = 20181101,
    ) -> SampleApp:
        rng = random.Random(seed)
        catalogue = make_songs(rng, songs)
        return cls(catalogue, make_users(rng, users), sessions_per_day, seed)

    def song_files(self) -> Iterator[tuple[str, bytes]]:
        """(key, bytes) of each song object; the first is pretty-printed, as in some copies."""
        for index, song in enumerate(self.songs):
            key, text = _song_file(dict(song))
            if index == 0:
                text = json.dumps(json.loads(text), indent=4)
            yield key, text.encode("ascii")

    def day_events(self, day: dt.date) -> list[dict]:
        rng = random.Random(f"{self.seed}/{day.isoformat()}")
        return make_day_events(rng, day, self.users, self.songs, self.sessions_per_day)

    def day_file(self, day: dt.date, until: dt.datetime | None = None) -> tuple[str, bytes]:
        """(key, bytes) of the day's log file; only the events before ``until``, if given."""
        events = self.day_events(day)
        if until is not None:
            cutoff = int(until.timestamp() * 1000)
            events = [e for e in events if e["ts"] < cutoff]
        text = "\n".join(_compact(e) for e in events)
        return f"log_data/{day:%Y/%m}/{day:%Y-%m-%d}-events.json", text.encode("utf-8")

    def files(self, start: dt.date, days: int) -> Iterator[tuple[str, bytes]]:
        """Every object of the dataset for ``days`` days from ``start``; the JSONPaths last."""
        yield from self.song_files()
        for offset in range(days):
            yield self.day_file(start + dt.timedelta(days=offset))
        yield JSONPATHS_KEY, JSONPATHS


JSONPATHS_KEY = "log_json_path.json"
JSONPATHS = json.dumps({"jsonpaths": [f"$['{field}']" for field in EVENT_FIELDS]}, indent=4).encode(
    "ascii"
)
# The month of the real data: the local stacks hold all of it.
NOVEMBER_2018 = (dt.date(2018, 11, 1), 30)


def write_sample_dataset(
    root: Path,
    *,
    start: dt.date = NOVEMBER_2018[0],
    days: int = NOVEMBER_2018[1],
    songs: int = 60,
    users: int = 40,
    sessions_per_day: int = 120,
    seed: int = 20181101,
) -> Path:
    """Write the dataset under ``root`` (created if needed); return ``root``."""
    app = SampleApp.create(songs=songs, users=users, sessions_per_day=sessions_per_day, seed=seed)
    for key, data in app.files(start, days):
        target = root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


# A session logs 2 to 12 items, and one in five also logs out: about 7.2 events on average.
EVENTS_PER_SESSION = 7.2


def sessions_for(events: int, days: int) -> int:
    """Sessions per day that give about ``events`` events over ``days`` days."""
    return max(1, round(events / days / EVENTS_PER_SESSION))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=NOVEMBER_2018[0])
    parser.add_argument("--days", type=int, default=NOVEMBER_2018[1])
    parser.add_argument("--events", type=int, help="about this many events in all")
    parser.add_argument("--songs", type=int, default=60)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20181101)
    args = parser.parse_args()
    sessions = sessions_for(args.events, args.days) if args.events else 120
    write_sample_dataset(
        args.root,
        start=args.start,
        days=args.days,
        songs=args.songs,
        users=args.users,
        sessions_per_day=sessions,
        seed=args.seed,
    )
    print(f"wrote the sample dataset under {args.root}")


if __name__ == "__main__":
    main()
