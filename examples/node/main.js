// A class grid PNG from the shipped conditional GAN, and log-likelihoods of a few points under the shipped moons
// flow. Usage: node main.js [--seed 1] [--out classes.png]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Flow, GanSampler, gridPng, labelledGrid } from 'dgm-runtime/node';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, out: { type: 'string', default: 'classes.png' } } });
const seed = Number(values.seed);

const gan = await GanSampler.load('cgan');
const { images, labels } = await gan.sample({ n: 100, seed }); // sample i is class i mod 10
const grid = labelledGrid(images, labels, gan.spec.classNames);
writeFileSync(values.out, gridPng(grid));
console.log(`${values.out}: ${grid.width}x${grid.height}, columns ${grid.columns.map((c) => c.name).join(', ')} (seed ${seed}, ${gan.provider})`);

const flow = await Flow.load('maf-moons');
const points = [[0, 0.5], [1, 0], [2, 0.5], [5, 5]];
const { logProb, nonFinite } = await flow.logProbData(points);
for (const [i, p] of points.entries()) console.log(`log p(${p.join(', ')}) = ${logProb[i].toFixed(4)} nats`);
if (nonFinite.length) console.log(`non-finite rows: ${nonFinite.join(', ')}`);
await gan.release();
await flow.release();
