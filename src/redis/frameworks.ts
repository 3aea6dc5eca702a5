/**
 * Python cache frameworks recognized from the key (and what the decoders found in the value), so
 * the header can say who wrote it:
 *   cachelib / Flask-Caching   `!` + pickle (recognized in the bytes by the decoders)
 *   Django (django-redis, or Django's own RedisCache)   keys `prefix:version:key`, pickled values
 *   RQ        job hashes `rq:job:<id>` (their `data` field is a zlib-compressed pickle)
 *   Celery    results `celery-task-meta-<task id>` (JSON)
 */
import type { DecoderId, Note } from './decoders';
import { displayName } from './keyName';

export interface KnownFramework {
  framework?: string;
  notes: Note[];
}

/** Django's default KEY_FUNCTION: `'%s:%s:%s' % (key_prefix, version, key)`. */
const DJANGO_KEY = /^([^:]*):(\d{1,9}):([\s\S]+)$/;

export function keyFramework(key: Buffer, type: string, chain: DecoderId[], fromValue: string | undefined): KnownFramework {
  const name = displayName(key);
  if (type === 'hash' && name.startsWith('rq:job:')) {
    return { framework: 'rq', notes: [{ code: 'FRAMEWORK', args: { framework: 'RQ' } }] };
  }
  if (type === 'string' && name.startsWith('celery-task-meta-') && chain.includes('json')) {
    return { framework: 'celery', notes: [{ code: 'FRAMEWORK', args: { framework: 'Celery' } }] };
  }
  if (fromValue === 'cachelib') {
    return { framework: 'cachelib', notes: [{ code: 'FRAMEWORK', args: { framework: 'cachelib / Flask-Caching' } }] };
  }
  const django = type === 'string' ? DJANGO_KEY.exec(name) : null;
  // NOVA's own keys can look like `a:1:b`: only a pickled value (Django's serializer) or Django's
  // empty default prefix make it a Django key. Integers are stored raw by Django, as digits.
  if (django && (chain.includes('pickle') || chain.includes('msgpack') || django[1] === '')) {
    return {
      framework: 'django',
      notes: [
        { code: 'FRAMEWORK', args: { framework: 'Django' } },
        { code: 'DJANGO_KEY', args: { prefix: django[1], version: Number(django[2]), key: django[3] } },
      ],
    };
  }
  return { notes: [] };
}
