/**
 * A small seeded PRNG (mulberry32): the generated trees are the same on every run, so two
 * runs measure the same work.
 */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }

}

const WORDS = [
  'const', 'let', 'function', 'return', 'import', 'export', 'from', 'await', 'async', 'if', 'else', 'for', 'of',
  'this', 'new', 'class', 'extends', 'null', 'undefined', 'true', 'false', 'props', 'state', 'value', 'index',
  'element', 'document', 'window', 'render', 'component', 'module', 'default', 'options', 'config', 'result',
  'error', 'then', 'catch', 'length', 'push', 'map', 'filter', 'reduce', 'Object', 'Array', 'Promise', 'string',
  'display', 'flex', 'margin', 'padding', 'color', 'background', 'border', 'width', 'height', 'px', 'rem', 'auto'
]
const PUNCTUATION = ['(', ')', '{', '}', ';', ',', '.', ' = ', ' => ', ': ', '\n', '\n  ', ' ', ' ', ' ', '[', ']', '"', '+']

/**
 * Text that compresses like minified JavaScript and CSS (about 3 to 4 times with deflate):
 * a vocabulary of tokens, random identifiers and numbers.
 */
export function codeLikeText(random: Random, length: number): Buffer {
  const parts: string[] = []
  let size = 0
  while (size < length) {
    const roll = random.next()
    const part =
      roll < 0.55 ? random.pick(WORDS)
        : roll < 0.85 ? random.pick(PUNCTUATION)
          : roll < 0.95 ? `_${random.int(1 << 20).toString(36)}`
            : String(random.int(10000))
    parts.push(part)
    size += part.length
  }
  return Buffer.from(parts.join('')).subarray(0, length)
}
