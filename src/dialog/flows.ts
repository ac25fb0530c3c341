import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Button, Reply } from '../core/messages.js';
import { Memo, TEXTS_KEPT } from '../core/memo.js';
import type { Dialog } from '../core/ports.js';
import { ContentError as FlowError, parseYamlFile } from '../content/yaml-file.js';
import { matchKey } from '../text/vietnamese.js';

export const ACTIONS = ['quiz.list', 'register.start', 'data.show', 'data.delete', 'outreach.subscribe', 'outreach.unsubscribe', 'handoff.request', 'handoff.end', 'scam.start'] as const;
export type Action = (typeof ACTIONS)[number];
export const REQUIRED_NODES = ['greeting', 'menu', 'help', 'ask', 'fallback', 'unsupported', 'too_long'] as const;

const buttonSchema = z.object({ title: z.string().min(1).max(80), payload: z.string().min(1).max(60) }).strict();
const nodeSchema = z.object({
  payload: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'payload must be UPPER_SNAKE_CASE').optional(),
  triggers: z.array(z.string().min(1)).optional(),
  text: z.string().min(1).optional(),
  buttons: z.union([z.literal('menu'), z.array(buttonSchema).max(40)]).optional(),
  action: z.enum(ACTIONS).optional(),
}).strict().refine((n) => n.text || n.action, 'a node needs `text` or `action`');
const fileSchema = z.object({
  nodes: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), nodeSchema).optional(),
  texts: z.record(z.string(), z.string()).optional(),
}).strict();

export type FlowNode = z.infer<typeof nodeSchema> & { name: string };

export { ContentError as FlowError } from '../content/yaml-file.js';

/** All flows merged: nodes by name, payload and trigger, and the shared text catalogue. */
export class Flows implements Dialog {
  private byName = new Map<string, FlowNode>();
  private byPayload = new Map<string, FlowNode>();
  private byTrigger = new Map<string, FlowNode>();
  private textsByKey = new Map<string, string>();
  /** Every text typed is looked up as a trigger; the same texts come back often. */
  private keys = new Memo<string>(TEXTS_KEPT);

  static load(dir: string, requiredTexts: readonly string[] = []): Flows {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
    if (files.length === 0) throw new FlowError(`No flow files (*.yaml) found in ${dir}`);
    const flows = new Flows();
    for (const f of files) flows.add(path.join(dir, f));
    for (const n of REQUIRED_NODES) if (!flows.byName.has(n)) throw new FlowError(`Flows in ${dir} lack the required node "${n}"`);
    for (const t of requiredTexts) if (!flows.textsByKey.has(t)) throw new FlowError(`Flows in ${dir} lack the required text "${t}"`);
    if (!flows.byName.get('menu')!.payload) throw new FlowError(`Flows in ${dir}: the node "menu" needs a payload`);
    return flows;
  }

  private add(file: string): void {
    const y = parseYamlFile(file);
    const parsed = fileSchema.safeParse(y.doc.toJS());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FlowError(`${y.where(issue.path)}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    for (const [name, def] of Object.entries(parsed.data.nodes ?? {})) {
      if (this.byName.has(name)) throw new FlowError(`${file}: node "${name}" is defined twice`);
      const node: FlowNode = { ...def, name };
      this.byName.set(name, node);
      if (def.payload) {
        if (this.byPayload.has(def.payload)) throw new FlowError(`${file}: payload "${def.payload}" is used twice`);
        this.byPayload.set(def.payload, node);
      }
      for (const t of def.triggers ?? []) this.byTrigger.set(matchKey(t), node);
    }
    for (const [k, v] of Object.entries(parsed.data.texts ?? {})) {
      if (this.textsByKey.has(k)) throw new FlowError(`${file}: text "${k}" is defined twice`);
      this.textsByKey.set(k, v);
    }
  }

  nodes(): Iterable<FlowNode> {
    return this.byName.values();
  }

  node(name: string): FlowNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`unknown flow node ${name}`);
    return n;
  }

  find(input: { payload?: string; text?: string }): FlowNode | undefined {
    if (input.payload) return this.byPayload.get(input.payload);
    if (input.text) return this.byTrigger.get(this.keys.get(input.text, () => matchKey(input.text!)));
    return undefined;
  }

  /** A catalogue text with {placeholders} filled. */
  text(key: string, vars: Record<string, string | number> = {}): string {
    const t = this.textsByKey.get(key);
    if (t === undefined) throw new Error(`unknown text ${key}`);
    return fill(t, vars);
  }

  menuButtons(): Button[] {
    const b = this.node('menu').buttons;
    return Array.isArray(b) ? b : [];
  }

  menuButtonTo(node: string): Button | undefined {
    const payload = this.byName.get(node)?.payload;
    return payload ? this.menuButtons().find((b) => b.payload === payload) : undefined;
  }

  /** The node's own reply (for nodes without an action). */
  reply(node: FlowNode, vars: Record<string, string | number> = {}): Reply {
    const buttons = node.buttons === 'menu' ? this.menuButtons() : node.buttons;
    return { text: fill(node.text ?? '', vars), ...(buttons?.length ? { buttons } : {}) };
  }
}

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}
