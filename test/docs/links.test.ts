/**
 * The documentation's relative links resolve: every [text](path) and [text](path#anchor) in the root README, docs/
 * and the folders' READMEs names a file or folder of the repository, and an anchor names one of that file's headings
 * (GitHub's slugs). The root README stays the front door: at most 150 lines.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'runs', 'models', 'reports', 'coverage']);

/** The Markdown files whose links are checked: README.md files anywhere outside SKIP, and all of docs/. */
function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) markdownFiles(p, out);
    } else if (e.name.endsWith('.md') && (e.name === 'README.md' || path.relative(ROOT, p).startsWith('docs' + path.sep))) {
      out.push(p);
    }
  }
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*]/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const out = new Set<string>();
  const counts = new Map<string, number>();
  let fenced = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative links outside code spans and fences: [text](target). */
function links(file: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let fenced = false;
  fs.readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    if (raw.startsWith('```')) fenced = !fenced;
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const t = m[1];
      if (/^[a-z]+:/i.test(t)) continue; // http:, https:, mailto:
      out.push({ target: t, line: i + 1 });
    }
  });
  return out;
}

describe('documentation links', () => {
  const files = markdownFiles(ROOT);

  test('finds the root README and docs/', () => {
    const rel = files.map((f) => path.relative(ROOT, f));
    expect(rel).toContain('README.md');
    expect(rel.filter((f) => f.startsWith('docs'))).not.toHaveLength(0);
  });

  test('the root README is at most 150 lines', () => {
    const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(text.replace(/\n$/, '').split('\n').length).toBeLessThanOrEqual(150);
  });

  test('every relative link names an existing file and heading', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const { target, line } of links(file)) {
        const [p, anchor] = target.split('#');
        const dest = p === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(p));
        const where = `${path.relative(ROOT, file)}:${line}: ${target}`;
        if (!fs.existsSync(dest)) broken.push(`${where} (no such file)`);
        else if (anchor && dest.endsWith('.md') && !anchors(dest).has(anchor)) broken.push(`${where} (no heading with that anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('slug follows GitHub: punctuation dropped, spaces to hyphens', () => {
    expect(slug("maf-moons and the course's MADE(2, 100, 1)")).toBe('maf-moons-and-the-courses-made2-100-1');
    expect(slug('The runs view (`dgm serve`, tab *Training runs*, `/#runs`)')).toBe('the-runs-view-dgm-serve-tab-training-runs-runs');
    expect(slug('`dgm convert`: any tfjs-layers model to ONNX')).toBe('dgm-convert-any-tfjs-layers-model-to-onnx');
  });
});
