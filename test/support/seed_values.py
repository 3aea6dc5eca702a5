"""Writes values the way NOVA's Python backend does, for the value viewer tests.

Usage: seed_values.py HOST PORT DB PREFIX

RedisCacheManager.cache_data(key, value, ttl=3600) stores json.dumps(value) with an expiry; other
Python caches store pickle.dumps(value). Only commands Redis 3.0 has are used (SET EX, HMSET, RPUSH).
Prints the names of the keys it wrote, one per line.
"""
import datetime
import decimal
import gzip
import json
import pickle
import sys
import zlib

import redis


class CachedUser:
    """A custom class, pickled by instance state (the viewer must not need it to show it)."""

    def __init__(self, user_id, name, roles):
        self.user_id = user_id
        self.name = name
        self.roles = roles
        self.last_login = datetime.datetime(2025, 10, 9, 8, 30, 15, 250000)


class Slotted:
    __slots__ = ('x', 'y')

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __getstate__(self):
        return (None, {'x': self.x, 'y': self.y})

    def __setstate__(self, state):
        for k, v in state[1].items():
            setattr(self, k, v)


def main():
    host, port, db, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    r = redis.Redis(host=host, port=port, db=db)
    written = []

    def put(name, value, ttl=3600):
        key = prefix + name
        r.set(key, value, ex=ttl)
        written.append(key)

    # What RedisCacheManager.cache_data writes.
    user = {
        'id': 42,
        'name': 'Zoé Dupont',
        'roles': ['admin', 'editor'],
        'ratio': 0.1,
        'big_id': 2 ** 64 + 1,
        'active': True,
        'manager': None,
    }
    put('json:user', json.dumps(user))
    put('json:number', json.dumps(42))
    put('json:nan', json.dumps({'score': float('nan'), 'max': float('inf')}))
    put('json:list', json.dumps([{'sku': 'A-1', 'qty': 3}, {'sku': 'B-2', 'qty': 1}]))

    when = datetime.datetime(2025, 10, 9, 12, 0)
    put('pickle:dict', pickle.dumps({'user': 42, 'when': when}))
    for protocol in range(0, 6):
        put('pickle:p%d' % protocol, pickle.dumps({'user': 42, 'when': when, 'tags': ('a', 'b')}, protocol=protocol))
    put('pickle:list', pickle.dumps([1, 'two', 3.0, None, True, -3000000000, 2 ** 70]))
    put('pickle:nested', pickle.dumps({'orders': [{'id': 1, 'items': {'A-1': 2}}, {'id': 2, 'items': {}}], 'meta': {'page': (1, 10)}}))
    put('pickle:set', pickle.dumps({'red', 'green'}))
    put('pickle:frozenset', pickle.dumps(frozenset([7])))
    put('pickle:tuple', pickle.dumps((1, 'a', (2, 3))))
    put('pickle:bytes', pickle.dumps(b'\x00\xffraw'))
    put('pickle:decimal', pickle.dumps(decimal.Decimal('19.990')))
    put('pickle:datetime_tz', pickle.dumps(datetime.datetime(2025, 10, 9, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))))
    put('pickle:date', pickle.dumps(datetime.date(2025, 1, 31)))
    put('pickle:timedelta', pickle.dumps(datetime.timedelta(days=2, hours=3)))
    put('pickle:custom', pickle.dumps(CachedUser(7, 'ann', ['ops'])))
    put('pickle:custom_p0', pickle.dumps(CachedUser(8, 'bob', []), protocol=0))
    put('pickle:slots', pickle.dumps(Slotted(1, 2)))
    put('pickle:intkeys', pickle.dumps({1: 'one', (2, 3): 'pair'}))

    put('gzip:json', gzip.compress(json.dumps(user).encode('utf-8')))
    put('zlib:pickle', zlib.compress(pickle.dumps({'user': 42, 'when': when})))

    put('raw:invalid_utf8', b'\xff\xfe\x00abc\xc3')
    put('raw:empty', b'')
    put('raw:text', 'Bonjour à tous')

    # A hash as a Python service would write one, with a binary field name.
    key = prefix + 'hash:profile'
    r.execute_command('HMSET', key, 'json', json.dumps({'a': 1}), 'pickle', pickle.dumps({'when': when}), b'\x00\xfebin', 'v', 'name', 'Zoé')
    written.append(key)
    key = prefix + 'list:events'
    r.rpush(key, json.dumps({'event': 'login'}), pickle.dumps(('logout', 3)), 'plain')
    written.append(key)

    print('\n'.join(written))


if __name__ == '__main__':
    main()
