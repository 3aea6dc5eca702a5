"""Loads pickles with CPython, for the pickle encoder tests.

Usage: pickle_reload.py  (no arguments). Reads {"pickles": [hex, ...], "sample": bool} as JSON on
stdin. Writes {"version", "loaded": [{"repr", "types", "protocol", "maxOpcodeProtocol"}],
"sample": [{"protocol", "hex", "edited_repr"}]}: each pickle as pickle.loads reads it (repr and the
type of every element, so 1 and 1.0 or a tuple and a list differ), the protocol its PROTO opcode
names (None without one) and the highest protocol of any opcode it uses; with "sample", NOVA-like
data pickled at every protocol and the repr of what the test's edit must turn it into.
"""
import datetime
import decimal
import json
import pickle
import pickletools
import sys


def types(v):
    if isinstance(v, dict):
        return ['dict', [[types(k), types(x)] for k, x in v.items()]]
    if isinstance(v, (list, tuple)):
        return [type(v).__name__, [types(x) for x in v]]
    if isinstance(v, (set, frozenset)):
        return [type(v).__name__, sorted(repr(types(x)) for x in v)]
    return type(v).__name__


def describe(data):
    value = pickle.loads(data)
    ops = list(pickletools.genops(data))
    proto = ops[0][1] if ops and ops[0][0].name == 'PROTO' else None
    return {
        'repr': repr(value),
        'types': types(value),
        'protocol': proto,
        'maxOpcodeProtocol': max(op.proto for op, _, _ in ops),
    }


UTC = datetime.timezone.utc


def sample(price, user):
    return {
        'user': user,
        'when': datetime.datetime(2025, 1, 2, 3, 4, 5, 600, tzinfo=UTC),
        'day': datetime.date(2025, 2, 28),
        'at': datetime.time(23, 59, 1),
        'price': decimal.Decimal(price),
        'tags': {'a'},
        'frozen': frozenset({1}),
        'raw': b'\x00\xff',
        'ttl': datetime.timedelta(hours=1),
        'n': 2 ** 70,
        'neg': -3000000000,
        't': (1,),
        'f': 1.5,
        'zero': -0.0,
        'none': None,
        'ok': True,
        'text': 'line\nnext \\ "q" \x1a',
    }


def main():
    request = json.load(sys.stdin)
    out = {'version': sys.version.split()[0], 'loaded': [describe(bytes.fromhex(h)) for h in request.get('pickles', [])]}
    if request.get('sample'):
        edited = repr(sample('10.50', 'zoé'))
        out['sample'] = [
            {'protocol': p, 'hex': pickle.dumps(sample('9.99', 'ann'), protocol=p).hex(), 'edited_repr': edited}
            for p in range(pickle.HIGHEST_PROTOCOL + 1)
        ]
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
