"""Writes values through the real Python cache frameworks, for the value viewer tests.

Usage: seed_frameworks.py HOST PORT DB

Each framework is used as an application would (cachelib/Flask-Caching, django-redis with its
serializers and compressors, RQ, Celery's Redis result backend). A framework that is not installed
is reported, not faked. Prints one JSON object: {"written": {name: key}, "missing": {name: reason}}.
"""
import datetime
import json
import sys


def main():
    host, port, db = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    url = 'redis://%s:%d/%d' % (host, port, db)
    written, missing = {}, {}
    user = {'id': 42, 'name': 'Zoé', 'roles': ('admin', 'editor'), 'when': datetime.datetime(2025, 10, 9, 12, 0)}

    try:
        from cachelib.redis import RedisCache
        cache = RedisCache(host=host, port=port, db=db, key_prefix='flask_cache_')
        cache.set('user', user, timeout=3600)
        cache.set('hits', 42)
        written['cachelib'] = 'flask_cache_user'
        written['cachelib_int'] = 'flask_cache_hits'
    except ImportError as err:
        missing['cachelib'] = str(err)

    try:
        import django
        from django.conf import settings

        def alias(version, **options):
            return {'BACKEND': 'django_redis.cache.RedisCache', 'LOCATION': url, 'VERSION': version,
                    'OPTIONS': {'CLIENT_CLASS': 'django_redis.client.DefaultClient', **options}}

        settings.configure(CACHES={
            'default': alias(1),
            'zlib': alias(2, COMPRESSOR='django_redis.compressors.zlib.ZlibCompressor'),
            'gzip': alias(3, COMPRESSOR='django_redis.compressors.gzip.GzipCompressor'),
            'lzma': alias(4, COMPRESSOR='django_redis.compressors.lzma.LzmaCompressor'),
            'json': alias(5, SERIALIZER='django_redis.serializers.json.JSONSerializer'),
            'msgpack': alias(6, SERIALIZER='django_redis.serializers.msgpack.MSGPackSerializer'),
        })
        django.setup()
        from django.core.cache import caches
        report = {'rows': ['row %d' % i for i in range(50)]}
        caches['default'].set('user:42', user, 3600)
        caches['default'].set('count', 42, 3600)
        written['django'] = ':1:user:42'
        written['django_int'] = ':1:count'
        for name in ('zlib', 'gzip', 'lzma', 'msgpack'):
            try:
                caches[name].set('report', report, 3600)
                written['django_' + name] = ':%d:report' % caches[name].version
            except ImportError as err:
                missing['django_' + name] = str(err)
        caches['json'].set('report', report, 3600)
        written['django_json'] = ':5:report'
    except ImportError as err:
        missing['django'] = str(err)

    try:
        import redis
        from rq import Queue
        job = Queue('default', connection=redis.Redis(host=host, port=port, db=db)).enqueue('os.path.join', 'a', 'b')
        written['rq'] = 'rq:job:' + job.id
    except ImportError as err:
        missing['rq'] = str(err)

    try:
        from celery import Celery
        app = Celery('nova', backend=url)
        app.backend.store_result('3f1d2c4b-task', {'ok': True, 'rows': 3}, 'SUCCESS')
        written['celery'] = 'celery-task-meta-3f1d2c4b-task'
    except ImportError as err:
        missing['celery'] = str(err)

    json.dump({'written': written, 'missing': missing}, sys.stdout)


if __name__ == '__main__':
    main()
