/**
 * Outputs never clobber: writeFileAtomic (every file the CLI, training and eval write) replaces only a regular file;
 * a symlink, directory, FIFO or device at the path is refused with a message naming it and left as it was.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkOutputPath, isTempName, writeFileAtomic } from '../../../training/harness/atomic-write';
import { writeDirAtomic } from '../../../export/write-dir';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-aw-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const leftovers = (dir: string) => fs.readdirSync(dir).filter(isTempName);

test('a regular file is replaced whole; missing folders are made', () => {
  const f = path.join(root, 'a', 'b', 'out.txt');
  writeFileAtomic(f, 'one');
  writeFileAtomic(f, ['two', Buffer.from('!')]);
  expect(fs.readFileSync(f, 'utf8')).toBe('two!');
  expect(leftovers(path.dirname(f))).toEqual([]);
});

test('symlink, directory, FIFO and device are refused, named, and left as they were', () => {
  const target = path.join(root, 'target.txt');
  fs.writeFileSync(target, 'keep');
  const link = path.join(root, 'link.png');
  fs.symlinkSync(target, link);
  const dangling = path.join(root, 'dangling.png');
  fs.symlinkSync(path.join(root, 'nowhere'), dangling);
  const dir = path.join(root, 'adir');
  fs.mkdirSync(dir);
  const fifo = path.join(root, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const cases: [string, RegExp][] = [
    [link, new RegExp(`^--out ${link} is a symbolic link \\(to ${target}\\), not a regular file: refusing to replace it`)],
    [dangling, /is a symbolic link \(to .*nowhere\)/],
    [dir, /is a directory, not a regular file/],
    [fifo, /is a FIFO, not a regular file/],
    ['/dev/null', /^--out \/dev\/null is a character device, not a regular file/],
  ];
  for (const [p, msg] of cases) {
    expect(() => writeFileAtomic(p, 'x', '--out')).toThrow(msg);
    expect(() => checkOutputPath(p, '--out')).toThrow(msg);
  }
  expect(fs.readlinkSync(link)).toBe(target);
  expect(fs.readFileSync(target, 'utf8')).toBe('keep');
  expect(fs.readlinkSync(dangling)).toBe(path.join(root, 'nowhere'));
  expect(fs.existsSync(path.join(root, 'nowhere'))).toBe(false);
  expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(leftovers(root)).toEqual([]);
});

test('an empty path, a folder-like path and a file as folder are clear errors', () => {
  expect(() => writeFileAtomic('', 'x', '--out')).toThrow('--out must name a file, got ""');
  expect(() => writeFileAtomic('  ', 'x', '--out')).toThrow('--out must name a file, got "  "');
  expect(() => writeFileAtomic(path.join(root, 'new') + '/', 'x', '--out')).toThrow(/ends in a path separator/);
  const file = path.join(root, 'plain');
  fs.writeFileSync(file, 'p');
  expect(() => writeFileAtomic(path.join(file, 'x.png'), 'x')).toThrow(new RegExp(`could not write ${file}/x.png: cannot create its folder ${file} \\(EEXIST\\)|ENOTDIR`));
  expect(fs.readFileSync(file, 'utf8')).toBe('p');
});

test('a model folder that is a symlink or a file is not replaced', () => {
  const real = path.join(root, 'real-model');
  fs.mkdirSync(real);
  fs.writeFileSync(path.join(real, 'keep'), 'k');
  const link = path.join(root, 'model-link');
  fs.symlinkSync(real, link);
  expect(() => writeDirAtomic(link, { 'a.onnx': 'x' })).toThrow(`model folder ${link} exists and is a symbolic link (to ${real}): refusing to replace it`);
  expect(fs.readlinkSync(link)).toBe(real);
  expect(fs.readdirSync(real)).toEqual(['keep']);
  const f = path.join(root, 'model-file');
  fs.writeFileSync(f, 'f');
  expect(() => writeDirAtomic(f, { 'a.onnx': 'x' })).toThrow(/exists and is not a directory/);
});
