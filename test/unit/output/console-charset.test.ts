import { describe, expect, it } from 'vitest';
import { asciiMarks, consoleShowsMarks } from '../../../src/cli/console-charset.js';

describe('check marks on consoles that cannot show them', () => {
  it('Windows console host (PowerShell 5.1): ASCII; Windows Terminal and named terminals: the marks', () => {
    expect(consoleShowsMarks('win32', {})).toBe(false);
    expect(consoleShowsMarks('win32', { WT_SESSION: 'a1b2' })).toBe(true);
    expect(consoleShowsMarks('win32', { TERM_PROGRAM: 'vscode' })).toBe(true);
  });
  it('elsewhere the marks, and SMTPROBE_ASCII forces either way', () => {
    expect(consoleShowsMarks('linux', {})).toBe(true);
    expect(consoleShowsMarks('linux', { SMTPROBE_ASCII: '1' })).toBe(false);
    expect(consoleShowsMarks('win32', { SMTPROBE_ASCII: '0' })).toBe(true);
  });
  it('✓ becomes +, ✗ becomes x, nothing else changes', () => {
    expect(asciiMarks('  ✓ tls  TLSv1.3 — 1.2✓ 1.0✗')).toBe('  + tls  TLSv1.3 — 1.2+ 1.0x');
  });
});
