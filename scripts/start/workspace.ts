/**
 * The folder `npm start` opens: a `.env` like the NOVA backend's, pointing at the sample server, and a
 * README saying what the folder is and what to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writePythonSample } from './pythonSample';
import { BIG_KEY, MARKER_KEY, SMALL_DB_KEYS } from './sample';

export interface WorkspaceInfo {
  redisPort: number;
  redisVersion: string;
  db1Keys: number;
  /** The `--locale` of `npm start`: French gets a README in French, like the extension's words. */
  locale?: string;
  /** `--cluster`: the masters of the cluster; the sample is then in DB 0, a cluster's only DB. */
  clusterMasters?: number;
}

export function redisUrl(port: number, db = 1): string {
  return `redis://127.0.0.1:${port}/${db}`;
}

export function writeWorkspace(dir: string, info: WorkspaceInfo): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, '.env'),
    [
      '# Written by npm start: the NOVA backend reads the same variable, with python-dotenv.',
      `REDIS_URL=${redisUrl(info.redisPort, info.clusterMasters ? 0 : 1)}`,
      'CACHE_TTL=3600',
      '',
    ].join('\n'),
  );
  const french = info.locale?.toLowerCase().startsWith('fr') ?? false;
  writeFileSync(path.join(dir, 'README.md'), info.clusterMasters ? (french ? clusterReadmeFr(info) : clusterReadme(info)) : french ? readmeFr(info) : readme(info));
  writePythonSample(dir);
}

function clusterReadme(info: WorkspaceInfo): string {
  const port = info.redisPort;
  return `# NOVA Redis sample workspace: a Redis Cluster

\`npm start -- --cluster\` created this folder to show the NOVA Redis extension on a Redis Cluster. It is
temporary: stopping \`npm start\` (Ctrl+C in its terminal) deletes it and stops the cluster.

- \`.env\` holds \`REDIS_URL=${redisUrl(port, 0)}\`: one node of a cluster of ${info.clusterMasters} masters (\`redis-server\`
  ${info.redisVersion}, loopback ports, no password, nothing saved to disk). The extension finds the other
  masters itself. A cluster has only DB 0: the ${info.db1Keys.toLocaleString('en-US')} sample keys are there, spread over the masters.
- The Keys view lists the keys of every master, each once; the status bar tooltip and *NOVA: Show Server Info*
  show the cluster state and the keys per master; *Flush Database…* names every master first.
- *NOVA: Open Redis Console*: a command with a key runs on the master that owns it; \`DBSIZE\` or \`INFO\` ask
  which master (or all of them).

From a terminal: \`redis-cli -c -p ${port}\`.
`;
}

function clusterReadmeFr(info: WorkspaceInfo): string {
  const port = info.redisPort;
  return `# Espace de travail d'exemple de NOVA Redis${NBSP}: un Redis Cluster

\`npm start -- --cluster\` a créé ce dossier pour montrer l'extension NOVA Redis sur un Redis Cluster. Il est
temporaire${NBSP}: arrêter \`npm start\` (Ctrl+C dans son terminal) le supprime et arrête le cluster.

- \`.env\` contient \`REDIS_URL=${redisUrl(port, 0)}\`${NBSP}: un nœud d'un cluster de ${info.clusterMasters} maîtres (\`redis-server\`
  ${info.redisVersion}, ports locaux, sans mot de passe, rien d'écrit sur le disque). L'extension trouve
  elle-même les autres maîtres. Un cluster n'a que la base 0${NBSP}: les ${info.db1Keys.toLocaleString('fr-FR')} clés d'exemple y sont, réparties sur les maîtres.
- La vue Clés liste les clés de tous les maîtres, chacune une fois${NBSP}; l'infobulle de la barre d'état et
  *NOVA${NBSP}: Afficher les infos du serveur* montrent l'état du cluster et les clés par maître${NBSP}; *Vider la base…* nomme d'abord chaque maître.
- *NOVA${NBSP}: Ouvrir la console Redis*${NBSP}: une commande avec une clé s'exécute sur le maître qui la détient${NBSP}; \`DBSIZE\` ou
  \`INFO\` demandent sur quel maître (ou sur tous).

Depuis un terminal${NBSP}: \`redis-cli -c -p ${port}\`.
`;
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
${
  info.db1Keys > SMALL_DB_KEYS
    ? `  With more than ${SMALL_DB_KEYS.toLocaleString('en-US')} keys the tree does not scan everything at once: folder counts show a \`+\` until
  you run *NOVA: Scan All Keys*.`
    : `  Up to ${SMALL_DB_KEYS.toLocaleString('en-US')} keys, the tree scans everything when it opens: every key below is there at once and
  folder counts are exact. \`npm start -- --keys 100000\` gives a larger DB, where counts show a \`+\` until *NOVA: Scan All Keys*.`
}

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
9. \`services/cache_usage.py\`: above each cache call, what Redis holds for its key now; *Find Code Using
   This Key* on \`ma_cle\` in the tree comes back to it.

From a terminal: \`redis-cli -p ${port} -n 1\`.

## En français

Dossier temporaire créé par \`npm start\` pour essayer l'extension NOVA Redis : \`.env\` pointe vers un
\`redis-server\` local (port ${port}, DB 1) rempli de données qui ressemblent au cache de NOVA (JSON écrit
par \`RedisCacheManager\` avec un TTL de 3600 s, sessions, pickles Python, gzip, une valeur de 2 Mo, une clé
binaire). Ouvrez la vue NOVA Redis dans la barre d'activité. Ctrl+C dans le terminal de \`npm start\` arrête
le serveur et supprime ce dossier ; votre service Redis n'est pas touché.
`;
}

/** French puts a non-breaking space before : ; ? ! (written out so that it stays visible here). */
const NBSP = '\u00a0';

/** The same README in French, with the names the French extension shows. */
function readmeFr(info: WorkspaceInfo): string {
  const port = info.redisPort;
  return `# Espace de travail d'exemple de NOVA Redis

\`npm start\` a créé ce dossier pour montrer l'extension NOVA Redis à l'œuvre. Il est temporaire${NBSP}: arrêter
\`npm start\` (Ctrl+C dans son terminal) le supprime et arrête le serveur Redis décrit ci-dessous.

- \`.env\` contient \`REDIS_URL=${redisUrl(port)}\`, comme le \`.env\` du backend NOVA contient
  \`REDIS_URL=redis://localhost:6379/1\`. L'extension le lit comme le feraient python-dotenv et redis-py.
- Ce serveur est un \`redis-server\` ${info.redisVersion} local, démarré par \`npm start\` sur le port ${port}, sans
  mot de passe et sans rien écrire sur le disque. Ce n'est pas votre service Redis${NBSP}: celui-ci n'est pas touché.
- La base 1 contient ${info.db1Keys.toLocaleString('fr-FR')} clés qui ont la forme du cache de NOVA${NBSP}; la base 0 ne contient que \`${MARKER_KEY}\`.
${
  info.db1Keys > SMALL_DB_KEYS
    ? `  Au-delà de ${SMALL_DB_KEYS.toLocaleString('fr-FR')} clés, l'arborescence ne parcourt pas tout d'un coup${NBSP}: le nombre de clés d'un dossier est suivi
  d'un \`+\` tant que vous n'avez pas lancé *NOVA${NBSP}: Parcourir toutes les clés*.`
    : `  Jusqu'à ${SMALL_DB_KEYS.toLocaleString('fr-FR')} clés, l'arborescence parcourt tout à l'ouverture${NBSP}: toutes les clés ci-dessous sont là
  d'emblée et le nombre de clés des dossiers est exact. \`npm start -- --keys 100000\` donne une base plus grande, où les nombres sont suivis
  d'un \`+\` jusqu'à *NOVA${NBSP}: Parcourir toutes les clés*.`
}

## À regarder

1. Ouvrez la vue NOVA Redis (son icône dans la barre d'activité). La barre d'état indique le serveur et la base 1.
2. \`nova > cache > user > nova:cache:user:42\`${NBSP}: du JSON tel que \`RedisCacheManager.cache_data(key, value, ttl=3600)\`
   l'écrit (\`SET key json.dumps(value) EX 3600\`), avec son TTL qui décompte.
3. \`nova:cache:search:…\`, \`nova:session:…\` (TTL 1800), \`ma_cle\` et \`test\` (les exemples du document
   d'installation), un hachage \`nova:user:42:profile\`, une liste \`nova:queue:emails\`, un ensemble trié
   \`nova:leaderboard:sales\`, un ensemble \`nova:tags:product:CH-1001\`.
4. \`nova:cache:report:daily\` et \`nova:cache:report:weekly\`${NBSP}: des pickles Python (protocoles 4 et 5) d'un dict
   avec des dates, affichés sans exécuter la moindre ligne de Python.
5. \`nova:cache:catalog:gz\`${NBSP}: du JSON compressé avec gzip, décompressé pour l'affichage.
6. \`${BIG_KEY}\`${NBSP}: environ 2${NBSP}Mo de JSON, au-delà du seuil d'aperçu de 1${NBSP}Mo${NBSP}: d'abord un aperçu, puis *NOVA${NBSP}: Charger plus de la valeur*.
7. \`nova:bin:\\xff\\x00\\n\`${NBSP}: une clé dont le nom n'est pas de l'UTF-8 valide${NBSP}; elle s'ouvre, et son TTL se modifie, comme pour toute autre clé.
8. *Modifier le TTL…* sur une clé, *Supprimer la clé…* ou *Supprimer le dossier…*, *Vider la base…* sur la base 1${NBSP}: la base 0 garde son marqueur.
9. \`services/cache_usage.py\`${NBSP}: au-dessus de chaque appel au cache, ce que Redis contient pour sa clé${NBSP}; *Trouver le code qui utilise cette clé* sur \`ma_cle\` dans l’arbre y ramène.

Depuis un terminal${NBSP}: \`redis-cli -p ${port} -n 1\`.
`;
}
