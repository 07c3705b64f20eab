/**
 * The seed's support model drawn from the helpdesk's own files: intake addresses (helpdesk.yml) → TPM
 * and TPM VO (units of those families) → the unit families with their units (units/). Computes boxes and
 * edges; site/components/SupportModel.astro draws them as SVG. Pure.
 */
import { linkHorizontal } from 'd3-shape';
import { FAMILIES, FAMILY_NAMES, type Family } from '../../lib/core/schema/unit.ts';
import type { PublicSettings, PublicUnit } from './public.ts';

interface ModelBox {
  id: string;
  kind: 'intake' | 'tpm' | 'family';
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  /** Lines inside the box; a line with a unit id links to that unit's page. */
  lines: { text: string; unit?: string; interface?: string }[];
  /** The unit page this box links to (TPM boxes). */
  unit?: string;
}

interface ModelEdge {
  from: string;
  to: string;
  path: string;
}

export interface SupportModelLayout {
  width: number;
  height: number;
  boxes: ModelBox[];
  edges: ModelEdge[];
  /** Families in drawing order with their units, for the HTML version beside the drawing. */
  families: { family: Family; name: string; units: PublicUnit[] }[];
}

const COLUMN_X = [10, 330, 700] as const;
const BOX_WIDTH = [270, 310, 320] as const;
const LINE = 20;
const HEADER = 30;
const GAP = 16;

const link = linkHorizontal<{ source: [number, number]; target: [number, number] }, [number, number]>();

/** A unit's line; a unit with its own helpdesk says so (⇄ and the remote's kind): its tickets live on there too. */
function unitLine(unit: PublicUnit): { text: string; unit: string; interface?: string } {
  if (!unit.interface) return { text: unit.name, unit: unit.id };
  return { text: `${unit.name} ⇄ ${unit.interface.system}`, unit: unit.id, interface: unit.interface.name };
}

export function supportModel(settings: PublicSettings, units: readonly PublicUnit[]): SupportModelLayout {
  const triageFamilies: Family[] = ['tpm', 'tpm-vo'];
  const families = FAMILIES.filter((f) => !triageFamilies.includes(f))
    .map((family) => ({ family, name: FAMILY_NAMES[family], units: units.filter((u) => u.family === family) }))
    .filter((group) => group.units.length > 0);
  const triage = units.filter((u) => triageFamilies.includes(u.family));

  const boxes: ModelBox[] = [];
  let y = GAP;
  for (const group of families) {
    const height = HEADER + group.units.length * LINE + 8;
    boxes.push({ id: `family-${group.family}`, kind: 'family', x: COLUMN_X[2], y, width: BOX_WIDTH[2], height, title: group.name, lines: group.units.map(unitLine) });
    y += height + GAP;
  }
  const height = Math.max(y, GAP + (triage.length + settings.intake.length) * 90);

  const column = (count: number, boxHeight: number) => {
    const total = count * boxHeight + (count - 1) * GAP * 3;
    return (index: number) => (height - total) / 2 + index * (boxHeight + GAP * 3);
  };
  const triageY = column(triage.length, 64);
  triage.forEach((unit, index) => {
    boxes.push({
      id: `unit-${unit.id}`,
      kind: 'tpm',
      x: COLUMN_X[1],
      y: triageY(index),
      width: BOX_WIDTH[1],
      height: 64,
      title: unit.name,
      lines: [{ text: unit.family === 'tpm' ? 'directs every ticket to a unit' : 'follows VO tickets' }],
      unit: unit.id,
    });
  });
  const intakeY = column(settings.intake.length, 64);
  settings.intake.forEach((entry, index) => {
    boxes.push({ id: `intake-${index}`, kind: 'intake', x: COLUMN_X[0], y: intakeY(index), width: BOX_WIDTH[0], height: 64, title: entry.name ?? 'Mail intake', lines: [{ text: entry.address }] });
  });

  const byId = new Map(boxes.map((box) => [box.id, box]));
  const edges: ModelEdge[] = [];
  const connect = (from: string, to: string) => {
    const a = byId.get(from);
    const b = byId.get(to);
    if (!a || !b || from === to) return;
    if (a.x === b.x) {
      // Same column (TPM VO hands grid problems to TPM): a straight arrow between the boxes.
      const x = a.x + a.width / 2;
      const [fromY, toY] = a.y > b.y ? [a.y, b.y + b.height] : [a.y + a.height, b.y];
      edges.push({ from, to, path: `M${x},${fromY}L${x},${toY}` });
      return;
    }
    const source: [number, number] = [a.x + a.width, a.y + a.height / 2];
    const target: [number, number] = [b.x, b.y + b.height / 2];
    edges.push({ from, to, path: link({ source, target }) ?? '' });
  };
  settings.intake.forEach((entry, index) => connect(`intake-${index}`, byId.has(`unit-${entry.unit}`) ? `unit-${entry.unit}` : `family-${units.find((u) => u.id === entry.unit)?.family ?? ''}`));
  for (const unit of triage) {
    // TPM directs tickets to every family; TPM VO follows VO tickets and hands grid problems to TPM.
    const targets = unit.family === 'tpm' ? families.map((f) => `family-${f.family}`) : ['family-vo'];
    for (const target of targets) connect(`unit-${unit.id}`, target);
  }
  const tpm = triage.find((u) => u.family === 'tpm');
  for (const unit of triage.filter((u) => u.family === 'tpm-vo')) if (tpm) connect(`unit-${unit.id}`, `unit-${tpm.id}`);
  return { width: COLUMN_X[2] + BOX_WIDTH[2] + 10, height, boxes, edges, families };
}
