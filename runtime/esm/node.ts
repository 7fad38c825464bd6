/**
 * The package's Node entry (`dgm-runtime/node`), as an ES module: it tells the shared Node code where the package
 * lives (see node-location.ts), then is exactly runtime/node.ts.
 */
import { setPackageEntry } from '../node-location.js';

setPackageEntry(import.meta.url);

export * from '../node.js';
