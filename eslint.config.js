// Type-checked linting, and the layering of CONTRIBUTING.md enforced as import zones (import-x's
// no-restricted-paths resolves each import to its file, so `../intake/` in lib/core/github/ is core's own
// intake, not lib/intake/). site/ (.ts and .astro) and the .mjs files are linted too.
import astro from 'eslint-plugin-astro';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Node's IO and process builtins: lib/core must not reach them (the site bundles core for the browser). */
const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

/** Folders of lib/ that do IO: core imports none of them. */
const IO_LAYERS = ['./lib/fs', './lib/git', './lib/store', './lib/intake', './lib/mail', './lib/github', './lib/notify', './lib/site'];

const zones = [
  { target: './lib/core', from: [...IO_LAYERS, './scripts', './bench', './site', './test'], message: 'lib/core is pure: it imports only lib/core and lib/errors.ts (CONTRIBUTING.md "Layers").' },
  {
    target: './lib/git',
    from: ['./lib/store', './lib/intake', './lib/mail', './lib/github', './lib/notify', './lib/site'],
    message: 'lib/git is the Git edge: it imports lib/core, lib/fs and lib/errors.ts only, never the store (CONTRIBUTING.md "Layers").',
  },
  { target: './lib/fs', from: ['./lib/git', './lib/store', './lib/intake', './lib/mail', './lib/github', './lib/notify', './lib/site'], message: 'lib/fs is the file-system guard: it imports lib/core and lib/errors.ts only.' },
  { target: './lib/store', from: ['./lib/mail', './lib/github', './lib/notify', './lib/site'], message: 'lib/store reads and commits tickets; mail, GitHub, notify and the site build on it, not the other way round.' },
  { target: './lib/intake', from: ['./lib/mail', './lib/github', './lib/notify', './lib/site'], message: 'lib/intake is the session mail and GitHub share: its edges import it, it imports neither.' },
  { target: './lib', from: ['./scripts', './bench', './test'], message: 'lib/ imports neither scripts/ (commands) nor bench/ nor tests.' },
  { target: './site', from: ['./scripts', './bench', './test'], message: 'The site imports lib/, never commands, the bench or tests.' },
  { target: './bench', from: ['./scripts/commands', './scripts/gitgus.ts'], message: 'The bench measures lib/ (and runs bin/gitgus.js as a process); it imports no command.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.astro/', 'site/.astro/', 'test-results/', '.bench/', 'test/fixtures/corpus/', 'bin/gitgus.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }],
    },
  },
  {
    files: ['lib/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: NODE_BUILTINS.map((name) => ({ name, message: 'lib/core is pure: no Node IO (pass the data in from an edge).' })), patterns: [{ regex: '^node:', message: 'lib/core is pure: no Node builtins (pass the data in from an edge).' }] },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'lib/core is pure: no process (environment, exit, cwd come from the edge).' }, { name: 'Buffer', message: 'lib/core is pure: use Uint8Array and TextEncoder/TextDecoder.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'lib/core is pure: take the time as an argument (`now`), not Date.now().' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'lib/core is pure: take the time as an argument (`now`), not new Date().' },
      ],
    },
  },
  // The site's .astro pages: Astro's own parser, checked without types (astro check type-checks them).
  ...astro.configs['flat/recommended'],
  {
    files: ['**/*.astro'],
    ...tseslint.configs.disableTypeChecked,
    plugins: { 'import-x': importX },
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }] },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
