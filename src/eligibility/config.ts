import { Parser, type Comment, type Node } from 'acorn'
import { tsPlugin } from '@sveltejs/acorn-typescript'

/** Acorn with TypeScript syntax: reads capacitor.config.ts/.js without running it. */
const TypeScriptParser = Parser.extend(tsPlugin())

/** A config's value as data; code the reader cannot evaluate stays as its text, comments and spacing aside. */
export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue } | undefined

type AnyNode = Node & Record<string, any>

const TYPE_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'ParenthesizedExpression'])
const TYPE_ONLY = new Set(['ImportDeclaration', 'TSTypeAliasDeclaration', 'TSInterfaceDeclaration', 'TSDeclareFunction', 'TSModuleDeclaration', 'EmptyStatement'])

class ConfigReader {
  private readonly constants = new Map<string, { init: AnyNode; statement: AnyNode }>()
  readonly used = new Set<AnyNode>()

  constructor(private readonly source: string, private readonly comments: Comment[], readonly body: AnyNode[]) {
    for (const statement of body) {
      const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement
      if (declaration?.type !== 'VariableDeclaration') continue
      for (const declarator of declaration.declarations) if (declarator.id.type === 'Identifier' && declarator.init) this.constants.set(declarator.id.name, { init: declarator.init, statement })
    }
  }

  /** Source text without comments or spacing, so a reformatted expression reads the same. */
  text(node: AnyNode): string {
    let text = ''
    let at = node.start
    for (const comment of this.comments) {
      if (comment.start < at || comment.end > node.end) continue
      text += this.source.slice(at, comment.start)
      at = comment.end
    }
    return (text + this.source.slice(at, node.end)).replace(/\s+/g, ' ').trim()
  }

  evaluate(node: AnyNode, depth = 0): ConfigValue {
    if (depth > 20) return { $code: this.text(node) }
    if (TYPE_WRAPPERS.has(node.type)) return this.evaluate(node.expression, depth + 1)
    switch (node.type) {
      case 'Literal':
        return node.regex || typeof node.value === 'bigint' ? { $code: this.text(node) } : node.value
      case 'TemplateLiteral':
        return node.expressions.length === 0 ? node.quasis[0].value.cooked : { $code: this.text(node) }
      case 'UnaryExpression': {
        const value = this.evaluate(node.argument, depth + 1)
        if (typeof value === 'number' && node.operator === '-') return -value
        if (typeof value === 'number' && node.operator === '+') return value
        if (typeof value === 'boolean' && node.operator === '!') return !value
        return { $code: this.text(node) }
      }
      case 'ArrayExpression':
        return node.elements.map((element: AnyNode | null) => (element ? this.evaluate(element, depth + 1) : null))
      case 'ObjectExpression':
        return this.object(node, depth)
      case 'Identifier': {
        if (node.name === 'undefined') return undefined
        const constant = this.constants.get(node.name)
        if (!constant) return { $code: node.name }
        this.used.add(constant.statement)
        return this.evaluate(constant.init, depth + 1)
      }
      default:
        return { $code: this.text(node) }
    }
  }

  private object(node: AnyNode, depth: number): ConfigValue {
    const result: Record<string, ConfigValue> = {}
    for (const property of node.properties) {
      if (property.type === 'SpreadElement') {
        const spread = this.evaluate(property.argument, depth + 1)
        if (spread && typeof spread === 'object' && !Array.isArray(spread) && !('$code' in spread)) Object.assign(result, spread)
        else result[`...${this.text(property.argument)}`] = spread
        continue
      }
      const key = property.computed ? `[${this.text(property.key)}]` : property.key.type === 'Identifier' ? property.key.name : String(property.key.value)
      result[key] = property.kind === 'init' && !property.method ? this.evaluate(property.value, depth + 1) : { $code: this.text(property.value) }
    }
    return result
  }
}

/** The expression a module exports: `export default`, `export =` or `module.exports =`. */
function exported(body: AnyNode[]): { node: AnyNode; statement: AnyNode } | undefined {
  for (const statement of body) {
    if (statement.type === 'ExportDefaultDeclaration' || statement.type === 'TSExportAssignment') return { node: statement.declaration ?? statement.expression, statement }
    const expression = statement.type === 'ExpressionStatement' ? statement.expression : undefined
    if (expression?.type === 'AssignmentExpression' && /^module\s*\.\s*exports$/.test(expression.left.type === 'MemberExpression' ? `${expression.left.object.name}.${expression.left.property.name}` : '')) {
      return { node: expression.right, statement }
    }
  }
  return undefined
}

/**
 * A capacitor.config's value, read without running it: JSON as JSON, TypeScript/JavaScript by
 * evaluating the exported object literal (constants it names included). Any other top-level
 * code is kept as its text under `$code`, so a change there still counts.
 */
export function capacitorConfigValue(file: string, source: string): { value: ConfigValue } | { error: string } {
  try {
    if (file.endsWith('.json')) return { value: JSON.parse(source) }
    const comments: Comment[] = []
    const program = TypeScriptParser.parse(source, { ecmaVersion: 'latest', sourceType: 'module', onComment: comments, allowReturnOutsideFunction: true }) as AnyNode
    const reader = new ConfigReader(source, comments, program.body)
    const found = exported(program.body)
    if (!found) return { error: 'it exports no config (export default, or module.exports =)' }
    const value = reader.evaluate(found.node)
    const rest = program.body.filter((statement: AnyNode) => statement !== found.statement && !reader.used.has(statement) && !TYPE_ONLY.has(statement.type) && !(statement.type === 'ExportNamedDeclaration' && statement.exportKind === 'type'))
    return { value: rest.length > 0 && value && typeof value === 'object' && !Array.isArray(value) ? { ...value, $code: rest.map((s: AnyNode) => reader.text(s)) } : value }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/** JSON with sorted keys: equal exactly when the values are. */
export function canonicalJson(value: ConfigValue): string {
  if (value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => value[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** The dotted paths whose values differ between two configs (`server.androidScheme`, `plugins.SplashScreen`). */
export function changedKeys(before: ConfigValue, after: ConfigValue, path = ''): string[] {
  const isObject = (v: ConfigValue): v is Record<string, ConfigValue> => Boolean(v) && typeof v === 'object' && !Array.isArray(v) && !('$code' in (v as object) && Object.keys(v as object).length === 1)
  // A section added or removed whole is named by its keys, as a changed one is.
  if ((isObject(before) || before === undefined) && (isObject(after) || after === undefined) && (before ?? after) !== undefined) {
    const [old, now] = [before ?? {}, after ?? {}] as Record<string, ConfigValue>[]
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()
    return keys.flatMap((key) => changedKeys(old[key], now[key], path ? `${path}.${key}` : key))
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [path || '(the whole config)']
}
