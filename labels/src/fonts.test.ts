import { describe, expect, it } from 'vitest';
import { labelFonts, toLatin1 } from './fonts.js';

describe('label fonts', () => {
  it('uses the configured TTF, else DejaVu Sans, else Helvetica', () => {
    const configured = labelFonts({
      STORE_EDGE_LABEL_FONT: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
    });
    expect(configured.source).toBe('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf');
    const missing = labelFonts({ STORE_EDGE_LABEL_FONT: '/nonexistent/font.ttf' });
    expect(missing.source).toMatch(/DejaVuSans\.ttf$|Helvetica/);
  });

  it('keeps Latin-1 and the euro sign for Helvetica and marks the rest', () => {
    expect(toLatin1('Crème brûlée €2,49 — Мёд')).toBe('Crème brûlée €2,49 — ???');
  });
});
