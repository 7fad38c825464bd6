/**
 * Every model family, one import line each; families/registry.ts answers the lookups. Adding a family: a folder
 * families/<name>/ whose index.ts exports `family` (families/family.ts), and one line here.
 */
import type { Family } from './family';
import { family as maf } from './maf';
import { family as gan } from './gan';
import { family as classifier } from './classifier';
import { family as realnvp } from './realnvp';

export const FAMILIES: readonly Family[] = [maf, gan, classifier, realnvp];
