import { describe, expect, it } from 'vitest';
import { buildModelCard, modelCardSchema, renderModelCard, storedCardData, storedCardParts } from '../../src/modelcard/index.js';
import type { RiskEvaluation } from '../../src/risk/index.js';
import { exampleCard, exampleParts } from './example-card.js';

describe('model card data', () => {
  it('builds a valid card from plain inputs, with the risk results and lineage', async () => {
    const card = await exampleCard();
    expect(modelCardSchema.parse(card)).toEqual(card);
    expect(card.lineage).toMatchObject({ run: 'run-penguins-20251120-101500', seed: 0, commit: expect.stringMatching(/^4f1c2e9b/) });
    expect(card.version.createdAt).toBe('2025-11-20T10:15:00.000Z');
    expect(card.risk!.importance!.features).toHaveLength(4);
    expect(card.risk!.fairness.map((f) => f.attribute)).toEqual(['island', 'sex']);
    expect(card.risk!.calibration!.table).toHaveLength(10);
    expect(card.limitations).toHaveLength(2);
  });

  it('survives a JSON round trip (as stored in model_versions.model_card)', async () => {
    const card = await exampleCard();
    const json = renderModelCard(card, 'json');
    expect(modelCardSchema.parse(JSON.parse(json))).toEqual(card);
  });

  it('the data stored at registration (model_versions.model_card) gives back the same card', async () => {
    const parts = await exampleParts();
    const stored = JSON.parse(JSON.stringify(storedCardData({ card: parts.card, perClassMetrics: parts.perClassMetrics, risk: parts.risk as RiskEvaluation })));
    const { card, perClassMetrics, risk } = storedCardParts(stored);
    expect(buildModelCard({ ...parts, card, perClassMetrics, risk })).toEqual(buildModelCard(parts));
    expect(storedCardParts(null)).toEqual({});
    expect(storedCardParts({ risk: 'garbage' })).toEqual({});
  });

  it('rejects bad inputs naming the model, version, field and fix', async () => {
    const parts = await exampleParts();
    expect(() => buildModelCard({ ...parts, version: { ...parts.version, artifactSha256: 'abc' } })).toThrow(
      'model card for penguins@3: version.artifact.sha256: expected a sha256 in hex (64 characters)',
    );
    expect(() => renderModelCard({ kind: 'ferry/model-card/v1' }, 'md')).toThrow(/^model card: model: /);
    expect(() => renderModelCard(parts, 'pdf' as 'md')).toThrow('--format: unknown model card format "pdf"; use md, html or json');
  });
});

describe('model card rendering', () => {
  it('Markdown has every section, the fairness table and the risk check outcomes', async () => {
    const md = renderModelCard(await exampleCard(), 'md');
    for (const h of ['# Model card: penguins v3', '## Intended use', '## Limitations', '## Data', '## Metrics', '### Per class', '### Gates', '## Risk checks', '## Explainability: permutation importance', '## Fairness', '### island', '## Robustness', '## Calibration', '## Lineage', '## Approvals', '## Deployments']) {
      expect(md).toContain(h);
    }
    expect(md).toMatch(/\| Torgersen \| \d+ \| [\d.]+ \|/);
    expect(md).toContain('noise(0.1σ: bill_length_mm, flipper_length_mm)');
  });

  it('HTML is self-contained: no scripts, no external assets, and the three charts are inline SVG', async () => {
    const html = renderModelCard(await exampleCard(), 'html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const cls of ['importance-chart', 'group-chart', 'reliability-chart']) expect(html).toContain(`<svg xmlns="http://www.w3.org/2000/svg" class="chart ${cls}"`);
    expect(html.match(/class="chart group-chart"/g)).toHaveLength(2);
    expect(html.match(/class="whisker"/g)!.length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('class="diagonal"');
  });

  it('HTML escapes author and approver text', async () => {
    const html = renderModelCard(await exampleCard(), 'html');
    expect(html).toContain('Fairness within bounds &#60;ok&#62;');
    expect(html).not.toContain('<ok>');
  });

  it('a card without risk checks or deployments still renders, saying what is missing', async () => {
    const parts = await exampleParts();
    const { risk: _r, deployments: _d, approvals: _a, card: _c, ...rest } = parts;
    const card = buildModelCard(rest);
    const html = renderModelCard(card, 'html');
    expect(html).toContain('Not deployed.');
    expect(html).toContain('Not stated in the pipeline.');
    expect(html).not.toContain('<svg');
    expect(renderModelCard(card, 'md')).toContain('_No approvals yet._');
  });
});
