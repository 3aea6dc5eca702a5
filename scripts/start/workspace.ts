/**
 * The folder `npm start` opens: a `.env` like the NOVA backend's, pointing at the sample server, and a
 * README saying what the folder is and what to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIG_KEY, MARKER_KEY } from './sample';

export interface WorkspaceInfo {
  redisPort: number;
  redisVersion: string;
  db1Keys: number;
}

export function redisUrl(port: number): string {
  return `redis://127.0.0.1:${port}/1`;
}

export function writeWorkspace(dir: string, info: WorkspaceInfo): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, '.env'),
    [
      '# Written by npm start: the NOVA backend reads the same variable, with python-dotenv.',
      `REDIS_URL=${redisUrl(info.redisPort)}`,
      'CACHE_TTL=3600',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'README.md'), readme(info));
}

function readme(info: WorkspaceInfo): string {
  const port = info.redisPort;
  return `# NOVA Redis sample workspace

\`npm start\` created this folder to show the NOVA Redis extension at work. It is temporary: stopping
\`npm start\` (Ctrl+C in its terminal) deletes it and stops the Redis server below.

- \`.env\` holds \`REDIS_URL=${redisUrl(port)}\`, the way NOVA's backend \`.env\` holds
  \`REDIS_URL=redis://localhost:6379/1\`. The extension reads it as python-dotenv and redis-py would.
- That server is a local \`redis-server\` ${info.redisVersion} started by \`npm start\` on port ${port}, with no
  password and nothing saved to disk. It is not your Redis service: that one is left alone.
- DB 1 holds ${info.db1Keys.toLocaleString('en-US')} keys shaped like NOVA's cache; DB 0 holds only \`${MARKER_KEY}\`.
  With more than 5,000 keys the tree does not scan everything at once: folder counts show a \`+\` until
  you run *NOVA: Scan All Keys*.

## What to look at

1. Open the NOVA Redis view (its icon in the activity bar). The status bar shows the server and DB 1.
2. \`nova > cache > user > nova:cache:user:42\`: JSON as \`RedisCacheManager.cache_data(key, value, ttl=3600)\`
   writes it (\`SET key json.dumps(value) EX 3600\`), with its TTL counting down.
3. \`nova:cache:search:…\`, \`nova:session:…\` (TTL 1800), \`ma_cle\` and \`test\` (the examples of the set-up
   document), a hash \`nova:user:42:profile\`, a list \`nova:queue:emails\`, a sorted set
   \`nova:leaderboard:sales\`, a set \`nova:tags:product:CH-1001\`.
4. \`nova:cache:report:daily\` and \`nova:cache:report:weekly\`: Python pickles (protocols 4 and 5) of a dict
   with datetimes, shown without running any Python.
5. \`nova:cache:catalog:gz\`: gzip'd JSON, decompressed for display.
6. \`${BIG_KEY}\`: about 2 MB of JSON, over the 1 MB preview threshold: a preview first, then *NOVA: Load More of Value*.
7. \`nova:bin:\\xff\\x00\\n\`: a key whose name is not valid UTF-8; it opens, and its TTL can be edited, like any other key.
8. *Edit TTL…* on a key, delete a key or a folder, *Flush Database…* on DB 1: DB 0 keeps its marker.

From a terminal: \`redis-cli -p ${port} -n 1\`.

## En français

Dossier temporaire créé par \`npm start\` pour essayer l'extension NOVA Redis : \`.env\` pointe vers un
\`redis-server\` local (port ${port}, DB 1) rempli de données qui ressemblent au cache de NOVA (JSON écrit
par \`RedisCacheManager\` avec un TTL de 3600 s, sessions, pickles Python, gzip, une valeur de 2 Mo, une clé
binaire). Ouvrez la vue NOVA Redis dans la barre d'activité. Ctrl+C dans le terminal de \`npm start\` arrête
le serveur et supprime ce dossier ; votre service Redis n'est pas touché.
`;
}
