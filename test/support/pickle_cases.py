"""Pickles made by CPython itself, with Python's own rendering of each, for the pickle decoder tests.

Usage: pickle_cases.py  (no arguments). Prints a JSON list of
{"name", "protocol", "hex", "pformat", "repr", "builtin"}: for builtin values the viewer must show
exactly pprint.pformat(pickle.loads(pickle), sort_dicts=False); custom classes (whose repr Python
cannot show without the class) are checked against fixed texts.
"""
import collections
import datetime
import decimal
import json
import pickle
import pprint
import sys
import uuid


class Point(collections.namedtuple('Point', 'x y')):
    pass


Pair = collections.namedtuple('Pair', 'a b')


class IntSub(int):
    pass


class StrSub(str):
    pass


class ListSub(list):
    pass


class DictSub(dict):
    pass


class TupleSub(tuple):
    pass


class KeywordOnly:
    """Created through __getnewargs_ex__: protocols 2-3 pickle it as a functools.partial call."""

    def __new__(cls, *, a):
        self = super().__new__(cls)
        self._a = a
        return self

    def __getnewargs_ex__(self):
        return ((), {'a': self._a})


class CachedUser:
    def __init__(self, user_id, name, roles):
        self.user_id = user_id
        self.name = name
        self.roles = roles
        self.last_login = datetime.datetime(2025, 10, 9, 8, 30, 15, 250000)


def builtin_cases():
    utc = datetime.timezone.utc
    cases = {
        'dict_datetime': {'user': 42, 'when': datetime.datetime(2025, 10, 9, 12, 0)},
        'datetime_seconds': datetime.datetime(2024, 1, 2, 3, 4, 5),
        'datetime_micro': datetime.datetime(2024, 1, 2, 3, 4, 0, 7),
        'datetime_utc': datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc),
        'datetime_offset': datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        'datetime_named_tz': datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=1), 'CET')),
        'datetime_fold': datetime.datetime(2024, 1, 2, 3, 4, 5, fold=1),
        'date': datetime.date(2025, 1, 31),
        'time': datetime.time(12, 30),
        'time_micro': datetime.time(1, 2, 3, 4),
        'timedelta_max_days': datetime.timedelta(days=999999999),
        'timedelta_negative': datetime.timedelta(days=-1, seconds=5),
        'timedelta_zero': datetime.timedelta(0),
        'timedelta_micro': datetime.timedelta(microseconds=1),
        'tuple1': (1,),
        'tuple0': (),
        'int_keys': {8: 120},
        'mixed_keys': {1: 'one', (2, 3): 'pair', None: 0, 1.5: b'x'},
        'set': {1, 2, 3},
        'frozenset': frozenset({7}),
        'empty_set': set(),
        'empty_frozenset': frozenset(),
        'decimal': decimal.Decimal('1.5'),
        'decimal_nan': decimal.Decimal('NaN'),
        'complex': complex(1, 2),
        'complex_imag': 2j,
        'bytes': b'\x00\xffraw\'q"',
        'bytearray': bytearray(b'xy'),
        'long_bytes': bytes(range(200)),
        'long_text': 'lorem ipsum dolor sit amet ' * 12,
        'lines': 'first line\nsecond line\n' * 5,
        'text_escapes': 'Zoé\n\t\x00\u200b\U0001F600 it\'s',
        'floats': [1.0, 1e16, 1.5e-7, 0.1, -0.0, float('nan'), float('inf'), 123456789012345678.0, 1e-5, 0.0001, 1e22, 2.5e-300],
        'ints': [0, -1, 2 ** 70, -(2 ** 64) - 1, True, False, None],
        'nested': {
            'orders': [{'id': 1, 'items': {'A-1': 2, 'B-7': 11}, 'note': 'first order of the day'},
                       {'id': 2, 'items': {}, 'tags': ('urgent', 'gift'), 'total': decimal.Decimal('19.990')}],
            'meta': {'page': (1, 10), 'when': datetime.datetime(2025, 10, 9, 12, 0, tzinfo=utc)},
        },
        'uuid': uuid.UUID('12345678-1234-5678-1234-567812345678'),
        'wide_list': list(range(40)),
    }
    try:
        import zoneinfo
        cases['zoneinfo'] = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo('Europe/Paris'))
    except Exception:  # no tz database on this machine
        pass
    return cases


def custom_cases():
    recursive = []
    recursive.append(recursive)
    inner = []
    rtuple = (inner,)
    inner.append(rtuple)
    return {
        'namedtuple': Point(1, 2),
        'namedtuple_plain': Pair('x', [1]),
        'int_sub': IntSub(5),
        'str_sub': StrSub('abc'),
        'list_sub': ListSub([1, 2]),
        'dict_sub': DictSub({'a': 1}),
        'tuple_sub': TupleSub((1, 2)),
        'keyword_only': KeywordOnly(a=1),
        'custom': CachedUser(7, 'ann', ['ops']),
        'recursive_list': recursive,
        'recursive_tuple': rtuple,
    }


def main():
    out = []
    for builtin, cases in ((True, builtin_cases()), (False, custom_cases())):
        for name, value in cases.items():
            for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
                data = pickle.dumps(value, protocol=protocol)
                # What the pickle holds, as Python reads it back (protocols < 4 drop datetime's fold).
                back = pickle.loads(data)
                out.append({
                    'name': name,
                    'protocol': protocol,
                    'hex': data.hex(),
                    'pformat': pprint.pformat(back, sort_dicts=False),
                    'repr': repr(back),
                    'builtin': builtin,
                })
    json.dump({'version': sys.version.split()[0], 'cases': out}, sys.stdout)


if __name__ == '__main__':
    main()
