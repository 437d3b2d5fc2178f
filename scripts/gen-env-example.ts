// Writes .env.example from the environment-variable contract in src/config/env.ts.
import { writeFileSync } from 'node:fs';
import { renderEnvExample } from '../src/config/env.js';

writeFileSync(new URL('../.env.example', import.meta.url), renderEnvExample());
console.log('wrote .env.example');
