import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeBytes,
  escapeForTerminal,
  escapeLinesForTerminal,
  jsonForTerminal,
} from '../../server/engine/terminalText';
import { UNSAFE_TERMINAL_TEXT } from '../helpers/terminalSafety';

describe('escaping text for the terminal', () => {
  test('controls become the escapes Python’s repr() writes', () => {
    assert.equal(
      escapeForTerminal('X\u001b]0;title\u0007\u001b[2J\u001b[31mRED'),
      'X\\x1b]0;title\\x07\\x1b[2J\\x1b[31mRED',
    );
    assert.equal(escapeForTerminal('a\nb\rc\td\u0000\u007f'), 'a\\nb\\rc\\td\\x00\\x7f');
    assert.equal(escapeForTerminal('\u009b2J\u0085'), '\\x9b2J\\x85');
    assert.equal(
      escapeForTerminal('abc\u202edcba\u2066\u200f\u2028'),
      'abc\\u202edcba\\u2066\\u200f\\u2028',
    );
    assert.equal(escapeForTerminal('lone \ud800 and \udc00'), 'lone \\ud800 and \\udc00');
  });

  test('everything printable is kept, non-ASCII included', () => {
    for (const text of ['__main__.Node', 'héllo ✓ 日本 😀', 'C:\\Users\\x', '']) {
      assert.equal(escapeForTerminal(text), text);
    }
  });

  test('no input leaves a control character in the output', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c);
    assert.doesNotMatch(escapeForTerminal(all + '\ud83d'), UNSAFE_TERMINAL_TEXT);
    assert.equal(escapeLinesForTerminal(['a\u001b', 'b']), 'a\\x1b\nb');
  });

  test('JSON stays the same data, with no control character left', () => {
    const value = { 'k\u009b': ['X\u001b[2J\u0007', 'abc\u202e', '\u2028', 'é'] };
    const text = jsonForTerminal(JSON.stringify(value, null, 2));
    for (const line of text.split('\n')) assert.doesNotMatch(line, UNSAFE_TERMINAL_TEXT);
    assert.deepEqual(JSON.parse(text), value);
  });

  test('bytes of a file: printable ASCII, the rest as \\xNN, cut short', () => {
    assert.equal(describeBytes(new TextEncoder().encode('node.type')), 'node.type');
    assert.equal(
      describeBytes(new Uint8Array([0x1b, 0x22, 0x5c, 0xff, 0x41])),
      '\\x1b\\x22\\x5c\\xffA',
    );
    const long = describeBytes(new Uint8Array(65535).fill(0x9b));
    assert.ok(long.length <= 65 && long.endsWith('…'), long);
  });
});
