// Parses TLC configuration files (.cfg): INIT/NEXT or SPECIFICATION, CONSTANTS, INVARIANTS, PROPERTIES, CONSTRAINTS, SYMMETRY, CHECK_DEADLOCK.
import { configError } from './errors.js';

/** A constant's value as written in a .cfg file. */
export type CfgValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'modelValue'; readonly name: string }
  | { readonly kind: 'set'; readonly items: readonly CfgValue[] };

export interface ModelConfig {
  readonly file: string;
  init?: string;
  next?: string;
  specification?: string;
  readonly constants: Map<string, CfgValue>;
  /** `Name <- Other`: a constant or definition replaced by another definition. */
  readonly substitutions: Map<string, string>;
  readonly invariants: string[];
  readonly properties: string[];
  readonly constraints: string[];
  readonly actionConstraints: string[];
  symmetry?: string;
  view?: string;
  checkDeadlock: boolean;
}

interface Token {
  readonly text: string;
  readonly line: number;
}

function tokenize(file: string, text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\(\*[\s\S]*?\*\)|\\\*[^\n]*|"(?:[^"\\]|\\.)*"|<-|<<|>>|[A-Za-z0-9_]+|[{},=]|\s+|-?\d+|./g;
  let line = 1;
  for (const m of text.matchAll(re)) {
    const t = m[0];
    if (!/^\s+$/.test(t) && !t.startsWith('(*') && !t.startsWith('\\*')) {
      if (!/^([A-Za-z0-9_]+|"[\s\S]*"|<-|<<|>>|[{},=]|-)$/.test(t))
        throw configError(file, line, `unexpected character ${JSON.stringify(t)}`);
      tokens.push({ text: t, line });
    }
    line += t.split('\n').length - 1;
  }
  return tokens;
}

const sections = new Set([
  'INIT',
  'NEXT',
  'SPECIFICATION',
  'CONSTANT',
  'CONSTANTS',
  'INVARIANT',
  'INVARIANTS',
  'PROPERTY',
  'PROPERTIES',
  'CONSTRAINT',
  'CONSTRAINTS',
  'ACTION_CONSTRAINT',
  'ACTION_CONSTRAINTS',
  'SYMMETRY',
  'VIEW',
  'CHECK_DEADLOCK',
  'ALIAS',
  'POSTCONDITION',
]);

class CfgParser {
  private pos = 0;
  constructor(
    private readonly file: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private take(what: string): Token {
    const t = this.tokens[this.pos++];
    if (t === undefined)
      throw configError(this.file, this.tokens[this.tokens.length - 1]?.line ?? 1, `expected ${what} at the end of the file`);
    return t;
  }

  private name(what: string): string {
    const t = this.take(what);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text) || sections.has(t.text))
      throw configError(this.file, t.line, `expected ${what}, found ${t.text}`);
    return t.text;
  }

  /** Names up to the next section keyword. */
  private names(): string[] {
    const out: string[] = [];
    while (this.peek() !== undefined && !sections.has((this.peek() as Token).text)) out.push(this.name('a name'));
    return out;
  }

  value(): CfgValue {
    const t = this.take('a value');
    if (t.text === '<<') {
      // TLC's configuration parser takes no tuple (nor record, function or sequence); neither does this one.
      throw configError(
        this.file,
        t.line,
        'a tuple (<<...>>) is not a value a configuration may give (numbers, strings, TRUE, FALSE, sets and model values are): define it in the module and substitute it with NAME <- Definition',
      );
    }
    if (t.text === '{') {
      const items: CfgValue[] = [];
      while (this.peek()?.text !== '}') {
        items.push(this.value());
        if (this.peek()?.text === ',') this.pos++;
        else if (this.peek()?.text !== '}') throw configError(this.file, this.peek()?.line ?? t.line, 'expected , or }');
      }
      this.pos++;
      return { kind: 'set', items };
    }
    if (t.text === '-') return { kind: 'int', value: -Number(this.take('a number').text) };
    if (/^\d+$/.test(t.text)) return { kind: 'int', value: Number(t.text) };
    if (t.text.startsWith('"')) return { kind: 'string', value: JSON.parse(t.text) as string };
    if (t.text === 'TRUE' || t.text === 'FALSE') return { kind: 'bool', value: t.text === 'TRUE' };
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text)) return { kind: 'modelValue', name: t.text };
    throw configError(this.file, t.line, `expected a value, found ${t.text}`);
  }

  private constants(config: ModelConfig): void {
    while (this.peek() !== undefined && !sections.has((this.peek() as Token).text)) {
      const name = this.name('a constant name');
      const op = this.take('= or <-');
      if (op.text === '=') config.constants.set(name, this.value());
      else if (op.text === '<-') config.substitutions.set(name, this.name('a definition name'));
      else throw configError(this.file, op.line, `expected = or <- after ${name}, found ${op.text}`);
    }
  }

  parse(): ModelConfig {
    const config: ModelConfig = {
      file: this.file,
      constants: new Map(),
      substitutions: new Map(),
      invariants: [],
      properties: [],
      constraints: [],
      actionConstraints: [],
      checkDeadlock: true,
    };
    while (this.peek() !== undefined) {
      const section = this.take('a section');
      switch (section.text) {
        case 'INIT':
          config.init = this.name('the initial predicate');
          break;
        case 'NEXT':
          config.next = this.name('the next-state action');
          break;
        case 'SPECIFICATION':
          config.specification = this.name('the specification');
          break;
        case 'CONSTANT':
        case 'CONSTANTS':
          this.constants(config);
          break;
        case 'INVARIANT':
        case 'INVARIANTS':
          config.invariants.push(...this.names());
          break;
        case 'PROPERTY':
        case 'PROPERTIES':
          config.properties.push(...this.names());
          break;
        case 'CONSTRAINT':
        case 'CONSTRAINTS':
          config.constraints.push(...this.names());
          break;
        case 'ACTION_CONSTRAINT':
        case 'ACTION_CONSTRAINTS':
          config.actionConstraints.push(...this.names());
          break;
        case 'SYMMETRY':
          config.symmetry = this.name('the symmetry set');
          break;
        case 'VIEW':
          config.view = this.name('the view');
          break;
        case 'CHECK_DEADLOCK': {
          const v = this.take('TRUE or FALSE');
          if (v.text !== 'TRUE' && v.text !== 'FALSE')
            throw configError(this.file, v.line, `CHECK_DEADLOCK takes TRUE or FALSE, found ${v.text}`);
          config.checkDeadlock = v.text === 'TRUE';
          break;
        }
        case 'ALIAS':
        case 'POSTCONDITION':
          this.names();
          break;
        default:
          throw configError(this.file, section.line, `unknown section ${section.text}`);
      }
    }
    // Neither SPECIFICATION nor INIT/NEXT: a model of constants only, whose ASSUMEs TLC evaluates.
    if (config.specification === undefined && (config.init === undefined) !== (config.next === undefined)) {
      throw configError(this.file, 1, 'the configuration names one of INIT and NEXT without the other (or give SPECIFICATION)');
    }
    return config;
  }
}

export function parseConfig(file: string, text: string): ModelConfig {
  return new CfgParser(file, tokenize(file, text)).parse();
}
