/**
 * The extension must read REDIS_URL exactly as the backend's python-dotenv does. Every case has a
 * hand-written expectation (what python-dotenv 1.2.4 returns, plus older dialects where they
 * differ) and is also run through the real python-dotenv whenever an interpreter can import it:
 * `/usr/bin/python3`, `python3` on PATH, and any interpreter listed in NOVA_TEST_PYTHONS
 * (separated like PATH). All cases go to one Python process per interpreter.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  decodeDotenvBytes,
  dialectForVersion,
  DOTENV_DIALECTS,
  NPM_COMPARISON_MAX_CHARS,
  parseDotenv,
  readRedisUrl,
  scanDotenv,
  type DotenvWarning,
  type PythonDotenvDialect,
} from '../../src/config/dotenvParse';
import { PythonOracles } from '../support/pythonOracle';
import { runWatched } from '../support/watchdog';
import type { DotenvProbe } from './dotenv.probes';

type Entries = ReadonlyArray<readonly [string, string | null]>;

interface Case {
  name: string;
  text: string;
  env?: Record<string, string>;
  interpolate?: boolean;
  /** dotenv_values() of python-dotenv 1.2.4, in dict order; null is None. */
  values: Entries;
  /** Older python-dotenv dialects, when they read the file differently. */
  legacy?: Partial<Record<Exclude<PythonDotenvDialect, 'current'>, Entries>>;
  /** Every warning parseDotenv must give, in any order. */
  warnings?: DotenvWarning[];
  /** readRedisUrl(): url (null when undefined) and the line that wins. */
  redisUrl?: { url: string | null; line?: number };
}

const R = 'REDIS_URL';

const CASES: Case[] = [
  {
    name: 'plain URL',
    text: 'REDIS_URL=redis://localhost:6379/1\n',
    values: [[R, 'redis://localhost:6379/1']],
    redisUrl: { url: 'redis://localhost:6379/1', line: 1 },
  },
  {
    name: 'password with # and no space before it is not a comment',
    text: 'REDIS_URL=redis://:pa#ss@localhost:6379/1\n',
    values: [[R, 'redis://:pa#ss@localhost:6379/1']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: R }],
    redisUrl: { url: 'redis://:pa#ss@localhost:6379/1', line: 1 },
  },
  {
    name: 'space then # starts a comment in an unquoted value',
    text: 'REDIS_URL=redis://:pa #ss@localhost:6379/1\n',
    values: [[R, 'redis://:pa']],
    redisUrl: { url: 'redis://:pa', line: 1 },
  },
  {
    name: 'password with @ : % stays as written',
    text: 'REDIS_URL=redis://:p%40ss:w@rd@localhost:6379/1',
    values: [[R, 'redis://:p%40ss:w@rd@localhost:6379/1']],
    redisUrl: { url: 'redis://:p%40ss:w@rd@localhost:6379/1', line: 1 },
  },
  {
    name: 'escaped double quote inside double quotes is decoded',
    text: 'REDIS_URL="redis://:p\\"q@localhost:6379/1"\n',
    values: [[R, 'redis://:p"q@localhost:6379/1']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: R }],
    redisUrl: { url: 'redis://:p"q@localhost:6379/1', line: 1 },
  },
  {
    name: 'double-quoted password with space and # then a real comment',
    text: 'REDIS_URL="redis://:p #q@localhost:6379/1"   # production\n',
    values: [[R, 'redis://:p #q@localhost:6379/1']],
    redisUrl: { url: 'redis://:p #q@localhost:6379/1', line: 1 },
  },
  {
    name: 'single quotes decode only \\\\ and \\\'',
    text: "REDIS_URL='redis://:a\\b\\'c\\\\d@h/1'\n",
    values: [[R, "redis://:a\\b'c\\d@h/1"]],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: R }],
    redisUrl: { url: "redis://:a\\b'c\\d@h/1", line: 1 },
  },
  {
    name: 'bare $ in a password is literal',
    text: 'REDIS_URL=redis://:pa$word@h:6379/1\n',
    values: [[R, 'redis://:pa$word@h:6379/1']],
    redisUrl: { url: 'redis://:pa$word@h:6379/1', line: 1 },
  },
  {
    name: '${...} in a password is interpolated, even when undefined',
    text: 'REDIS_URL=redis://:pa${x}rd@h:6379/1\n',
    values: [[R, 'redis://:pard@h:6379/1']],
    warnings: [
      { code: 'undefined-variable', line: 1, key: R, variable: 'x' },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: 'redis://:pard@h:6379/1', line: 1 },
  },
  {
    name: 'single-quoted values are interpolated too',
    text: "PASS=s3cret\nREDIS_URL='redis://:${PASS}@h:6379/1'\n",
    values: [
      ['PASS', 's3cret'],
      [R, 'redis://:s3cret@h:6379/1'],
    ],
    warnings: [{ code: 'differs-from-dotenv', line: 2, key: R }],
    redisUrl: { url: 'redis://:s3cret@h:6379/1', line: 2 },
  },
  {
    name: '${VAR:-default} in double quotes',
    text: 'REDIS_URL="redis://${REDIS_HOST:-localhost}:6379/1"\n',
    values: [[R, 'redis://localhost:6379/1']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: R }],
    redisUrl: { url: 'redis://localhost:6379/1', line: 1 },
  },
  {
    name: 'interpolation from an earlier value',
    text: 'REDIS_HOST=cache\nREDIS_URL=redis://${REDIS_HOST}:6379/1\n',
    values: [
      ['REDIS_HOST', 'cache'],
      [R, 'redis://cache:6379/1'],
    ],
    warnings: [{ code: 'differs-from-dotenv', line: 2, key: R }],
    redisUrl: { url: 'redis://cache:6379/1', line: 2 },
  },
  {
    name: 'interpolation from the environment argument',
    text: 'REDIS_URL=redis://${REDIS_HOST}:6379/1\n',
    env: { REDIS_HOST: 'envhost' },
    values: [[R, 'redis://envhost:6379/1']],
    warnings: [
      { code: 'from-environment', line: 1, key: R, variable: 'REDIS_HOST' },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: 'redis://envhost:6379/1', line: 1 },
  },
  {
    name: 'an earlier value of the file beats the environment (dotenv_values uses override=True)',
    text: 'REDIS_HOST=filehost\nREDIS_URL=redis://${REDIS_HOST}:6379/1\n',
    env: { REDIS_HOST: 'envhost' },
    values: [
      ['REDIS_HOST', 'filehost'],
      [R, 'redis://filehost:6379/1'],
    ],
    warnings: [{ code: 'differs-from-dotenv', line: 2, key: R }],
    redisUrl: { url: 'redis://filehost:6379/1', line: 2 },
  },
  {
    name: 'a variable defined later is not seen',
    text: 'REDIS_URL=redis://${REDIS_HOST}:6379/1\nREDIS_HOST=later\n',
    values: [
      [R, 'redis://:6379/1'],
      ['REDIS_HOST', 'later'],
    ],
    warnings: [
      { code: 'forward-reference', line: 1, key: R, variable: 'REDIS_HOST' },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: 'redis://:6379/1', line: 1 },
  },
  {
    name: 'a variable defined later falls back on the environment',
    text: 'REDIS_URL=redis://${REDIS_HOST}:6379/1\nREDIS_HOST=later\n',
    env: { REDIS_HOST: 'envhost' },
    values: [
      [R, 'redis://envhost:6379/1'],
      ['REDIS_HOST', 'later'],
    ],
    warnings: [
      { code: 'forward-reference', line: 1, key: R, variable: 'REDIS_HOST' },
      { code: 'from-environment', line: 1, key: R, variable: 'REDIS_HOST' },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: 'redis://envhost:6379/1', line: 1 },
  },
  {
    name: 'a variable referring to itself reads the environment',
    text: 'REDIS_URL=${REDIS_URL}/2\n',
    env: { REDIS_URL: 'redis://envhost:6379' },
    values: [[R, 'redis://envhost:6379/2']],
    warnings: [
      { code: 'from-environment', line: 1, key: R, variable: R },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: 'redis://envhost:6379/2', line: 1 },
  },
  {
    name: 'a variable referring to itself without environment is empty',
    text: 'REDIS_URL=${REDIS_URL}/2\n',
    values: [[R, '/2']],
    warnings: [
      { code: 'undefined-variable', line: 1, key: R, variable: R },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: '/2', line: 1 },
  },
  {
    name: 'a redefinition reads the previous value of the same key',
    text: 'BASE=redis://h:6379\nBASE=${BASE}/1\n',
    values: [['BASE', 'redis://h:6379/1']],
    warnings: [
      { code: 'duplicate-key', line: 2, key: 'BASE', relatedLine: 1 },
      { code: 'differs-from-dotenv', line: 2, key: 'BASE' },
    ],
  },
  {
    name: 'a key without = shadows the environment and the default',
    text: 'REDIS_HOST\nREDIS_URL=redis://${REDIS_HOST:-localhost}:6379/1\n',
    env: { REDIS_HOST: 'envhost' },
    values: [
      ['REDIS_HOST', null],
      [R, 'redis://:6379/1'],
    ],
    warnings: [
      { code: 'no-value', line: 1, key: 'REDIS_HOST' },
      { code: 'undefined-variable', line: 2, key: R, variable: 'REDIS_HOST' },
      { code: 'differs-from-dotenv', line: 2, key: R },
    ],
    redisUrl: { url: 'redis://:6379/1', line: 2 },
  },
  {
    name: 'bare $X, ${X-d}, ${X:=d} and ${} are not POSIX expansions here',
    text: 'A=$HOME ${HOME-d} ${HOME:=d} ${}\n',
    env: { HOME: '/home/nova' },
    values: [['A', '$HOME  ${HOME:=d} ']],
    warnings: [
      { code: 'undefined-variable', line: 1, key: 'A', variable: 'HOME-d' },
      { code: 'undefined-variable', line: 1, key: 'A', variable: '' },
      { code: 'differs-from-dotenv', line: 1, key: 'A' },
    ],
  },
  {
    name: 'a nested default stops at the first }',
    text: 'A=${X:-${Y}}\n',
    values: [['A', '${Y}']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: 'A' }],
  },
  {
    name: 'names of Object.prototype are not variables',
    text: 'A=x${toString}y${constructor:-d}\n',
    values: [['A', 'xyd']],
    warnings: [
      { code: 'undefined-variable', line: 1, key: 'A', variable: 'toString' },
      { code: 'differs-from-dotenv', line: 1, key: 'A' },
    ],
  },
  {
    name: 'a backslash does not protect ${...} from interpolation',
    text: 'A="\\${HOME}"\n',
    env: { HOME: '/home/nova' },
    values: [['A', '\\/home/nova']],
    warnings: [
      { code: 'from-environment', line: 1, key: 'A', variable: 'HOME' },
      { code: 'differs-from-dotenv', line: 1, key: 'A' },
    ],
  },
  {
    name: 'interpolation can be turned off',
    text: 'A=1\nB=${A}\n',
    interpolate: false,
    values: [
      ['A', '1'],
      ['B', '${A}'],
    ],
  },
  {
    name: 'escapes in double quotes',
    text: 'A="n\\nt\\tb\\\\q\\"s\\\'a\\ab\\bf\\fr\\rv\\vu\\u0041x\\x"\n',
    values: [['A', 'n\nt\tb\\q"s\'a\x07b\bf\fr\rv\vu\\u0041x\\x']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: 'A' }],
  },
  {
    name: 'no escapes but \\\\ and \\\' in single quotes',
    text: "A='x\\ny\\tz'\n",
    values: [['A', 'x\\ny\\tz']],
  },
  {
    name: 'multi-line double-quoted value',
    text: 'REDIS_URL="redis://:pa\nss@h:6379/1"\nB=2\n',
    values: [
      [R, 'redis://:pa\nss@h:6379/1'],
      ['B', '2'],
    ],
    redisUrl: { url: 'redis://:pa\nss@h:6379/1', line: 1 },
  },
  {
    name: 'multi-line single-quoted value shifts the next line numbers',
    text: "A='l1\nl2'\nREDIS_URL: redis://h:6379/1\n",
    values: [['A', 'l1\nl2']],
    warnings: [
      { code: 'unparsable', line: 3 },
      { code: 'differs-from-dotenv', line: 3, key: R },
    ],
    redisUrl: { url: null },
  },
  {
    name: 'values containing =',
    text: 'REDIS_URL=redis://h:6379/1?a=b=c\n',
    values: [[R, 'redis://h:6379/1?a=b=c']],
    redisUrl: { url: 'redis://h:6379/1?a=b=c', line: 1 },
  },
  {
    name: 'spaces around key, = and value',
    text: '   REDIS_URL   =   redis://h:6379/1   \n',
    values: [[R, 'redis://h:6379/1']],
    redisUrl: { url: 'redis://h:6379/1', line: 1 },
  },
  {
    name: 'tabs around key, = and value, then a comment',
    text: '\tREDIS_URL\t=\tredis://h:6379/1\t# cache\n',
    values: [[R, 'redis://h:6379/1']],
    redisUrl: { url: 'redis://h:6379/1', line: 1 },
  },
  {
    name: 'spaces inside quotes are kept, trailing spaces after them are not',
    text: 'A="  x  "   \nB=  y  \n',
    values: [
      ['A', '  x  '],
      ['B', 'y'],
    ],
  },
  {
    name: 'unquoted password with inner spaces',
    text: 'REDIS_URL=redis://:p w d@h:6379/1\n',
    values: [[R, 'redis://:p w d@h:6379/1']],
    redisUrl: { url: 'redis://:p w d@h:6379/1', line: 1 },
  },
  {
    name: 'CRLF line ends, also inside a quoted value',
    text: 'A=1\r\nREDIS_URL=redis://h:6379/1\r\nB="x\r\ny"\r\n',
    values: [
      ['A', '1'],
      [R, 'redis://h:6379/1'],
      ['B', 'x\ny'],
    ],
    redisUrl: { url: 'redis://h:6379/1', line: 2 },
  },
  {
    name: 'lone CR line ends',
    text: 'A=1\rREDIS_URL=redis://h:6379/1\r',
    values: [
      ['A', '1'],
      [R, 'redis://h:6379/1'],
    ],
    redisUrl: { url: 'redis://h:6379/1', line: 2 },
  },
  {
    name: 'UTF-8 BOM',
    text: '\ufeffREDIS_URL=redis://h:6379/1\n',
    values: [[R, 'redis://h:6379/1']],
    legacy: { 'before-1.2.3': [['\ufeffREDIS_URL', 'redis://h:6379/1']] },
    warnings: [{ code: 'differs-across-versions', line: 1, key: R, versions: 'before-1.2.3' }],
    redisUrl: { url: 'redis://h:6379/1', line: 1 },
  },
  {
    name: 'export prefix',
    text: 'export REDIS_URL=redis://h:6379/1\n',
    values: [[R, 'redis://h:6379/1']],
    redisUrl: { url: 'redis://h:6379/1', line: 1 },
  },
  {
    name: 'export as a key name',
    text: 'export=1\nexport\nexportA=2\nexport\tB=3\n',
    values: [
      ['export', null],
      ['exportA', '2'],
      ['B', '3'],
    ],
    warnings: [
      { code: 'no-value', line: 2, key: 'export' },
      { code: 'duplicate-key', line: 2, key: 'export', relatedLine: 1 },
      { code: 'differs-from-dotenv', line: 2, key: 'export' },
    ],
  },
  {
    name: 'export without a key',
    text: 'export =1\nREDIS_URL=redis://h:6379/1\n',
    values: [[R, 'redis://h:6379/1']],
    warnings: [
      { code: 'unparsable', line: 1 },
      { code: 'differs-from-dotenv', line: 1, key: 'export' },
    ],
    redisUrl: { url: 'redis://h:6379/1', line: 2 },
  },
  {
    name: 'KEY: value is skipped (npm dotenv reads it)',
    text: 'REDIS_URL: redis://h:6379/1\n',
    values: [],
    warnings: [
      { code: 'unparsable', line: 1 },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: null },
  },
  {
    name: 'KEY:value is a key named with a colon and no value',
    text: 'H:v\n',
    values: [['H:v', null]],
    warnings: [{ code: 'no-value', line: 1, key: 'H:v' }],
  },
  {
    name: 'REDIS_URL defined twice: the last one wins',
    text: 'REDIS_URL=redis://first:6379/1\nA=1\nREDIS_URL=redis://second:6379/1\n',
    values: [
      [R, 'redis://second:6379/1'],
      ['A', '1'],
    ],
    warnings: [{ code: 'duplicate-key', line: 3, key: R, relatedLine: 1 }],
    redisUrl: { url: 'redis://second:6379/1', line: 3 },
  },
  {
    name: 'commented-out definitions are ignored',
    text:
      '# REDIS_URL=redis://old:6379/1\nREDIS_URL=redis://new:6379/1\n' +
      '#REDIS_URL=redis://other:6379/1\n  # REDIS_URL=redis://indented:6379/1\n',
    values: [[R, 'redis://new:6379/1']],
    redisUrl: { url: 'redis://new:6379/1', line: 2 },
  },
  {
    name: 'only a commented-out definition',
    text: '# REDIS_URL=redis://old:6379/1\n',
    values: [],
    redisUrl: { url: null },
  },
  {
    name: 'empty value',
    text: 'REDIS_URL=\n',
    values: [[R, '']],
    redisUrl: { url: '', line: 1 },
  },
  {
    name: 'empty quoted values',
    text: "A=''\nB=\"\"\n",
    values: [
      ['A', ''],
      ['B', ''],
    ],
  },
  {
    name: 'space then # right after = is an empty value (1.2.4)',
    text: 'REDIS_URL=   # to be filled in\nB=#novalue\n',
    values: [
      [R, ''],
      ['B', '#novalue'],
    ],
    legacy: {
      '1.2.3': [
        [R, '# to be filled in'],
        ['B', '#novalue'],
      ],
      'before-1.2.3': [
        [R, '# to be filled in'],
        ['B', '#novalue'],
      ],
    },
    warnings: [
      { code: 'differs-across-versions', line: 1, key: R, versions: '1.2.3' },
      { code: 'differs-across-versions', line: 1, key: R, versions: 'before-1.2.3' },
      { code: 'differs-from-dotenv', line: 2, key: 'B' },
    ],
    redisUrl: { url: '', line: 1 },
  },
  {
    name: 'REDIS_URL without =',
    text: 'REDIS_URL\n',
    values: [[R, null]],
    warnings: [{ code: 'no-value', line: 1, key: R }],
    redisUrl: { url: null, line: 1 },
  },
  {
    name: 'REDIS_URL without = after a definition wins, with a comment',
    text: 'REDIS_URL=redis://h:6379/1\nREDIS_URL # disabled\n',
    values: [[R, null]],
    warnings: [
      { code: 'no-value', line: 2, key: R },
      { code: 'duplicate-key', line: 2, key: R, relatedLine: 1 },
      { code: 'differs-from-dotenv', line: 2, key: R },
    ],
    redisUrl: { url: null, line: 2 },
  },
  {
    name: 'unterminated double quote loses only its own line',
    text: 'REDIS_URL="redis://h:6379/1\nB=2\n',
    values: [['B', '2']],
    warnings: [
      { code: 'unparsable', line: 1 },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: null },
  },
  {
    name: 'unterminated single quote ending in \\\' at the end of the file',
    text: "REDIS_URL='redis://h:6379/1\\'",
    values: [],
    legacy: { 'before-1.2.3': [[R, 'redis://h:6379/1\\']] },
    warnings: [
      { code: 'unparsable', line: 1 },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: null },
  },
  {
    name: 'escaped backslash before the closing quote',
    text: 'A="C:\\\\"\nREDIS_URL="redis://h:6379/1"\n',
    values: [
      ['A', 'C:\\'],
      [R, 'redis://h:6379/1'],
    ],
    legacy: { 'before-1.2.3': [] },
    warnings: [
      { code: 'differs-from-dotenv', line: 1, key: 'A' },
      { code: 'differs-across-versions', line: 1, key: 'A', versions: 'before-1.2.3' },
      { code: 'differs-across-versions', line: 2, key: R, versions: 'before-1.2.3' },
    ],
    redisUrl: { url: 'redis://h:6379/1', line: 2 },
  },
  {
    name: 'single-quoted key',
    text: "'REDIS_URL'=redis://h:6379/1\n",
    values: [[R, 'redis://h:6379/1']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: R }],
    redisUrl: { url: 'redis://h:6379/1', line: 1 },
  },
  {
    name: 'double-quoted key keeps its quotes',
    text: '"REDIS_URL"=redis://h:6379/1\n',
    values: [['"REDIS_URL"', 'redis://h:6379/1']],
    warnings: [{ code: 'differs-from-dotenv', line: 1, key: '"REDIS_URL"' }],
    redisUrl: { url: null },
  },
  {
    name: 'two words before = is unparsable, so is a line starting with =',
    text: 'REDIS URL=redis://h:6379/1\n=redis://h:6379/1\n',
    values: [],
    warnings: [
      { code: 'unparsable', line: 1 },
      { code: 'unparsable', line: 2 },
    ],
  },
  {
    name: 'text after a closing quote is unparsable',
    text: 'REDIS_URL="redis://h:6379/1"x\n',
    values: [],
    warnings: [
      { code: 'unparsable', line: 1 },
      { code: 'differs-from-dotenv', line: 1, key: R },
    ],
    redisUrl: { url: null },
  },
  {
    name: '# right after a closing quote is a comment',
    text: 'REDIS_URL="redis://h:6379/1"#primary\n',
    values: [[R, 'redis://h:6379/1']],
    redisUrl: { url: 'redis://h:6379/1', line: 1 },
  },
  {
    name: 'blank lines before an unparsable statement',
    text: 'A=1\n\n\nB: x\nC=2\n',
    values: [
      ['A', '1'],
      ['C', '2'],
    ],
    warnings: [
      { code: 'unparsable', line: 4 },
      { code: 'differs-from-dotenv', line: 4, key: 'B' },
    ],
  },
  {
    name: "Python's whitespace: NBSP and NEL before # start a comment",
    text: 'A=x\u00a0#c\nB=x\u0085#c\n',
    values: [
      ['A', 'x'],
      ['B', 'x'],
    ],
    warnings: [{ code: 'differs-from-dotenv', line: 2, key: 'B' }],
  },
  {
    name: 'a real-world Windows file: BOM, CRLF, export, comments, password with #',
    text: '\ufeff# NOVA\r\nexport REDIS_URL="redis://:S3c#r3t@localhost:6379/1" # prod\r\n\r\nDEBUG=1\r\n',
    values: [
      [R, 'redis://:S3c#r3t@localhost:6379/1'],
      ['DEBUG', '1'],
    ],
    // Before 1.2.3 the BOM is not whitespace to Python: it becomes a key cut short by the `#`.
    legacy: {
      'before-1.2.3': [
        ['\ufeff', null],
        [R, 'redis://:S3c#r3t@localhost:6379/1'],
        ['DEBUG', '1'],
      ],
    },
    redisUrl: { url: 'redis://:S3c#r3t@localhost:6379/1', line: 2 },
  },
  {
    name: 'empty file and blank lines',
    text: '\n  \n\t\n',
    values: [],
    redisUrl: { url: null },
  },
  {
    name: '${...} the way the regular expression reads it: names with $ or spaces, odd defaults, unclosed',
    text: 'X=1\nA=${${X}\nB=${X:y}\nC=${X:-a:b}\nD=${:-d}\nE=${X:-no close\nF=${Y:-${X}}\nG=${X}${X:-q}$X${ X}\nH="${X}:${Y:-}"\n',
    values: [
      ['X', '1'],
      ['A', ''],
      ['B', '${X:y}'],
      ['C', '1'],
      ['D', 'd'],
      ['E', '${X:-no close'],
      ['F', '${X}'],
      ['G', '11$X'],
      ['H', '1:'],
    ],
    warnings: [
      { code: 'undefined-variable', line: 2, key: 'A', variable: '${X' },
      { code: 'differs-from-dotenv', line: 2, key: 'A' },
      { code: 'differs-from-dotenv', line: 4, key: 'C' },
      { code: 'differs-from-dotenv', line: 5, key: 'D' },
      { code: 'differs-from-dotenv', line: 7, key: 'F' },
      { code: 'undefined-variable', line: 8, key: 'G', variable: ' X' },
      { code: 'differs-from-dotenv', line: 8, key: 'G' },
      { code: 'differs-from-dotenv', line: 9, key: 'H' },
    ],
  },
  {
    name: '2,000 unclosed ${ in a row stay as they are',
    text: `A=${'${'.repeat(2000)}\nREDIS_URL=redis://h:6379/1\n`,
    values: [
      ['A', '${'.repeat(2000)],
      [R, 'redis://h:6379/1'],
    ],
    redisUrl: { url: 'redis://h:6379/1', line: 2 },
  },
  {
    name: 'a long run of spaces inside an unquoted value, with and without a # after it',
    text: `A=x${' '.repeat(3000)}y\nB=x${' \t'.repeat(1500)}#c\nC=x${' '.repeat(3000)}\n`,
    values: [
      ['A', `x${' '.repeat(3000)}y`],
      ['B', 'x'],
      ['C', 'x'],
    ],
  },
  {
    name: '300 lines of KEY: value, each skipped, and REDIS_URL after them',
    text: `${Array.from({ length: 300 }, (_, i) => `K${i}: v`).join('\n')}\nREDIS_URL=redis://h:6379/1\n`,
    values: [[R, 'redis://h:6379/1']],
    warnings: Array.from({ length: 300 }, (_, i): DotenvWarning[] => [
      { code: 'unparsable', line: i + 1 },
      { code: 'differs-from-dotenv', line: i + 1, key: `K${i}` },
    ]).flat(),
    redisUrl: { url: 'redis://h:6379/1', line: 301 },
  },
  {
    name: 'last line without newline and trailing spaces',
    text: 'A=1\nREDIS_URL=redis://h:6379/1   ',
    values: [
      ['A', '1'],
      [R, 'redis://h:6379/1'],
    ],
    redisUrl: { url: 'redis://h:6379/1', line: 2 },
  },
];

function entries(values: ReadonlyMap<string, string | undefined>): Entries {
  return [...values].map(([key, value]) => [key, value ?? null] as const);
}

function expectedFor(c: Case, dialect: PythonDotenvDialect): Entries {
  return dialect === 'current' ? c.values : (c.legacy?.[dialect] ?? c.values);
}

function warningOrder(w: DotenvWarning): string {
  return JSON.stringify([w.line, w.code, w.key ?? '', w.variable ?? '', w.versions ?? '', w.relatedLine ?? 0]);
}

function sortedWarnings(warnings: readonly DotenvWarning[]): DotenvWarning[] {
  return [...warnings].sort((a, b) => warningOrder(a).localeCompare(warningOrder(b)));
}

function optionsOf(c: Case, dialect: PythonDotenvDialect = 'current') {
  return { environment: c.env ?? {}, dialect, ...(c.interpolate === undefined ? {} : { interpolate: c.interpolate }) };
}

void describe('python-dotenv grammar, hand-written expectations', () => {
  void test('the table covers enough cases', () => {
    assert.ok(CASES.length >= 40, `only ${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names must be unique');
  });

  for (const c of CASES) {
    void test(c.name, () => {
      for (const dialect of DOTENV_DIALECTS) {
        const parsed = parseDotenv(c.text, optionsOf(c, dialect));
        assert.deepEqual(entries(parsed.values), expectedFor(c, dialect), `values, dialect ${dialect}`);
      }
      const parsed = parseDotenv(c.text, optionsOf(c));
      assert.deepEqual(sortedWarnings(parsed.warnings), sortedWarnings(c.warnings ?? []), 'warnings');
      if (c.redisUrl) {
        const read = readRedisUrl(c.text, optionsOf(c));
        assert.equal(read.url ?? null, c.redisUrl.url, 'REDIS_URL');
        assert.equal(read.line, c.redisUrl.line, 'line of REDIS_URL');
        const expectedWarnings = parsed.warnings.filter((w) => w.code === 'unparsable' || w.key === R || w.key === `"${R}"`);
        assert.deepEqual(sortedWarnings(read.warnings), sortedWarnings(expectedWarnings), 'REDIS_URL warnings');
      }
    });
  }

  void test('warnings never carry a value', () => {
    for (const c of CASES) {
      const parsed = parseDotenv(c.text, optionsOf(c));
      const names = new Set(parsed.warnings.flatMap((w) => [w.key, w.variable]));
      const serialized = JSON.stringify(parsed.warnings);
      for (const [, value] of parsed.values) {
        if (value !== undefined && value.length >= 4 && !names.has(value)) {
          assert.ok(!serialized.includes(JSON.stringify(value).slice(1, -1)), `${c.name}: a warning holds a value`);
        }
      }
    }
  });

  void test('parsing never touches process.env', () => {
    const before = JSON.stringify(process.env);
    for (const c of CASES) {
      parseDotenv(c.text, { environment: { REDIS_HOST: 'x' } });
      readRedisUrl(c.text);
    }
    assert.equal(JSON.stringify(process.env), before);
    assert.equal(process.env.REDIS_HOST === 'x', false);
  });

  void test('readRedisUrl reads REDIS_URL for keys that only look like it', () => {
    const read = readRedisUrl('"REDIS_URL"=redis://h:6379/1\n');
    assert.equal(read.url, undefined);
    assert.deepEqual(read.warnings, [{ code: 'differs-from-dotenv', line: 1, key: '"REDIS_URL"' }]);
  });

  void test('python-dotenv versions map to dialects', () => {
    assert.equal(dialectForVersion('0.21.0'), 'before-1.2.3');
    assert.equal(dialectForVersion('1.0.1'), 'before-1.2.3');
    assert.equal(dialectForVersion('1.2.2'), 'before-1.2.3');
    assert.equal(dialectForVersion('1.2.3'), '1.2.3');
    assert.equal(dialectForVersion('1.2.4'), 'current');
    assert.equal(dialectForVersion('1.3.0'), 'current');
    assert.equal(dialectForVersion('2.0'), 'current');
  });

  void test('file bytes are decoded as strict UTF-8 and keep the BOM for the parser', () => {
    const withBom = decodeDotenvBytes(Buffer.from('\ufeffA=é\n', 'utf8'));
    assert.deepEqual(withBom, { ok: true, text: '\ufeffA=é\n' });
    assert.deepEqual(decodeDotenvBytes(Buffer.from([0x41, 0x3d, 0xe9, 0x0a])), { ok: false, code: 'invalid-utf8' });
  });
});

void describe('pathological files are read, quickly and completely', () => {
  void test('40,000 unclosed ${, 20,000 KEY: value lines, a 10 MB quoted value, 200,000 spaces', () => {
    // In a child process: a freeze here would block this runner's own timers.
    const run = runWatched<DotenvProbe[]>(join(__dirname, 'dotenv.probes.ts'), 'pathological', { timeoutMs: 60_000 });
    assert.equal(run.timedOut, false, 'reading the files was still running after 60 s');
    assert.equal(run.failure, undefined);
    const url = 'redis://:p%40ss@localhost:6379/1';
    assert.deepEqual(run.value, [
      { name: 'unclosed references', url, line: 2, codes: {} },
      { name: 'KEY: value lines', url, line: 20_001, codes: { unparsable: 20_000 } },
      // The second opinion is skipped, and the skip is reported; the file is still read.
      { name: 'huge quoted value', url, line: 1, codes: { 'npm-comparison-skipped': 1 } },
      { name: 'long run of spaces', url, line: 2, codes: {} },
    ]);
  });

  void test('past its size limit the npm dotenv comparison is skipped and reported, and the file still read', () => {
    const big = readRedisUrl(`REDIS_URL=redis://h:6379/1\nA="${'x'.repeat(NPM_COMPARISON_MAX_CHARS)}"\n`);
    assert.equal(big.url, 'redis://h:6379/1');
    assert.equal(big.line, 1);
    assert.deepEqual(big.warnings, [{ code: 'npm-comparison-skipped', line: 1 }]);
    const under = readRedisUrl(`REDIS_URL=redis://h:6379/1\nA="${'x'.repeat(1000)}"\n`);
    assert.deepEqual(under.warnings, []);
  });
});

// ---- cross-check with the real python-dotenv ----

interface PythonResult {
  values?: Array<[string, string | null]>;
  bindings?: Array<[string | null, string | null, number, boolean]>;
  logged?: number[];
  exception?: string;
}

const pythonDotenv = new PythonOracles<PythonResult>({
  script: resolve(__dirname, '../fixtures/dotenv/python_dotenv_oracle.py'),
  module: 'dotenv',
  requestKey: 'cases',
  library: 'python-dotenv',
});

const INVALID_UTF8 = Buffer.from([0x41, 0x3d, 0xe9, 0x0a]);

void describe('cross-check with the real python-dotenv', () => {
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nova-dotenv-'));
    const request = CASES.map((c, index) => {
      const path = join(dir, `case${index}.env`);
      writeFileSync(path, Buffer.from(c.text, 'utf8'));
      return { path, env: c.env ?? {}, interpolate: c.interpolate ?? true };
    });
    const invalidPath = join(dir, 'invalid.env');
    writeFileSync(invalidPath, INVALID_UTF8);
    request.push({ path: invalidPath, env: {}, interpolate: true });
    pythonDotenv.runAll(request);
  });

  after(() => {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  pythonDotenv.reportAvailability(
    (oracle) => `python-dotenv ${oracle.version} (${dialectForVersion(oracle.version)}) from ${oracle.interpreter}: ${oracle.module}`,
  );

  pythonDotenv.describeEach((oracle) => {
    const dialect = dialectForVersion(oracle.version);
    CASES.forEach((c, index) => {
      void test(c.name, () => {
        const python = pythonDotenv.result(oracle, index);
        assert.ok(python?.values && python.bindings && python.logged, `no result: ${JSON.stringify(python)}`);
        const parsed = parseDotenv(c.text, optionsOf(c, dialect));
        assert.deepEqual(entries(parsed.values), python.values, 'dotenv_values()');
        assert.deepEqual(python.values, expectedFor(c, dialect), 'hand-written expectation');
        const bindings = scanDotenv(c.text, dialect);
        assert.deepEqual(
          bindings.map((b) => [b.key, b.value, b.pythonLine, b.error]),
          python.bindings,
          'parse_stream() bindings',
        );
        assert.deepEqual(
          bindings.filter((b) => b.error).map((b) => b.pythonLine),
          python.logged,
          'lines python-dotenv logs as unparsable',
        );
      });
    });

    void test('invalid UTF-8 stops python-dotenv and is reported', () => {
      assert.deepEqual(pythonDotenv.result(oracle, CASES.length), { exception: 'UnicodeDecodeError' });
      assert.deepEqual(decodeDotenvBytes(INVALID_UTF8), { ok: false, code: 'invalid-utf8' });
    });
  });
});
