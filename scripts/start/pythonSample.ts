/**
 * A Python file in the sample workspace, written the way NOVA's backend uses its cache, so that the
 * code links (what Redis holds, above each call) and "Find Code Using This Key" have code to work on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PYTHON_SAMPLE_PATH = path.join('services', 'cache_usage.py');

export const PYTHON_SAMPLE = `"""How NOVA's backend uses its cache: above each call, NOVA Redis shows what Redis holds for its key."""
from services.cache_manager import RedisCacheManager

CACHE_TTL = 3600
USER_PREFIX = "nova:cache:user:"

cache = RedisCacheManager(redis_url="redis://localhost:6379/1")


async def examples(user_id):
    await cache.cache_data('ma_cle', {'data': 'valeur'}, ttl=CACHE_TTL)
    data = await cache.get_cached_data('ma_cle')
    await cache.cache_data('test', {'status': 'ok'})
    profile = await cache.get_cached_data(f"{USER_PREFIX}{user_id}")
    await cache.cache_data(f"{USER_PREFIX}{user_id}", profile, ttl=CACHE_TTL)
    return data, profile
`;

export function writePythonSample(dir: string): void {
  const file = path.join(dir, PYTHON_SAMPLE_PATH);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, PYTHON_SAMPLE);
}
