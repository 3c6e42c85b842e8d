// k6 v1.8.1's own parser tables, re-expressed row by row: metrics/thresholds_parser_test.go
// (scan, aggregation method, whole expression), metrics/metric_test.go (ParseMetricName and
// AddSubmetric, which `k6 run` both apply to a threshold's metric), and the forms issue 18 found
// judged differently; plus Go's strconv.ParseFloat on the numbers k6 reads with it.
import { describe, expect, it } from 'vitest';
import { parseGoFloat } from './go-float.js';
import { parseMetricRef, parseThreshold, scanThreshold } from './thresholds.js';

describe('thresholds_parser_test.go: TestScanThresholdExpression (every row)', () => {
  const rows: Array<[name: string, input: string, want: { left: string; op: string; right: string } | null]> = [
    ['expression with <= operator is scanned', 'foo<=bar', { left: 'foo', op: '<=', right: 'bar' }],
    ['expression with < operator is scanned', 'foo<bar', { left: 'foo', op: '<', right: 'bar' }],
    ['expression with >= operator is scanned', 'foo>=bar', { left: 'foo', op: '>=', right: 'bar' }],
    ['expression with > operator is scanned', 'foo>bar', { left: 'foo', op: '>', right: 'bar' }],
    ['expression with === operator is scanned', 'foo===bar', { left: 'foo', op: '===', right: 'bar' }],
    ['expression with == operator is scanned', 'foo==bar', { left: 'foo', op: '==', right: 'bar' }],
    ['expression with != operator is scanned', 'foo!=bar', { left: 'foo', op: '!=', right: 'bar' }],
    ["expression's method is trimmed", '  foo  <=bar', { left: 'foo', op: '<=', right: 'bar' }],
    ["expression's value is trimmed", 'foo<=  bar  ', { left: 'foo', op: '<=', right: 'bar' }],
    ['expression with unknown operator fails', 'foo!bar', null],
  ];
  for (const [name, input, want] of rows) it(name, () => expect(scanThreshold(input)).toEqual(want));
});

describe('thresholds_parser_test.go: TestParseThresholdAggregationMethod (every row, as the left side of `<1`)', () => {
  const rows: Array<[name: string, input: string, want: { kind: string; p?: number } | null]> = [
    ['count method is parsed', 'count', { kind: 'count' }],
    ['rate method is parsed', 'rate', { kind: 'rate' }],
    ['value method is parsed', 'value', { kind: 'value' }],
    ['avg method is parsed', 'avg', { kind: 'avg' }],
    ['min method is parsed', 'min', { kind: 'min' }],
    ['max method is parsed', 'max', { kind: 'max' }],
    ['med method is parsed', 'med', { kind: 'med' }],
    ['percentile method with integer value is parsed', 'p(99)', { kind: 'percentile', p: 99 }],
    ['percentile method with floating point value is parsed', 'p(99.9)', { kind: 'percentile', p: 99.9 }],
    ['parsing invalid method fails', 'foo', null],
    ['parsing empty percentile expression fails', 'p()', null],
    ['parsing incomplete percentile expression fails', 'p(99', null],
    ['parsing non-numerical percentile value fails', 'p(foo)', null],
  ];
  for (const [name, input, want] of rows) {
    it(name, () => {
      if (want === null) expect(() => parseThreshold(`${input}<1`)).toThrow(/is not "<aggregate>/);
      else expect(parseThreshold(`${input}<1`).aggregate).toEqual(want);
    });
  }
});

describe('thresholds_parser_test.go: TestParseThresholdExpression (every row)', () => {
  it("unknown expression's operator fails", () => expect(() => parseThreshold('count!20')).toThrow(/no operator/));
  it("unknown expression's method fails", () => expect(() => parseThreshold('foo>20')).toThrow(/unknown aggregation "foo"/));
  it("non numerical expression's value fails", () => expect(() => parseThreshold('count>abc')).toThrow(/right-hand side "abc" is not a number/));
  it('valid threshold expression syntax', () => {
    expect(parseThreshold('count>20')).toEqual({ source: 'count>20', aggregate: { kind: 'count' }, operator: '>', rhs: { kind: 'number', value: 20 } });
  });
});

describe('the forms issue 18 found judged differently from k6', () => {
  it('accepts every number Go reads: .5, 5., +100, 1_000, Inf, p(95.), p(.5), hex', () => {
    const rhs = (e: string) => {
      const r = parseThreshold(e).rhs;
      return r.kind === 'number' ? r.value : null;
    };
    expect(rhs('p(95)<.5')).toBe(0.5);
    expect(rhs('p(95)<5.')).toBe(5);
    expect(rhs('p(95)<+100')).toBe(100);
    expect(rhs('p(95)<1_000')).toBe(1000);
    expect(rhs('p(95)<Inf')).toBe(Infinity);
    expect(rhs('p(95)<-inf')).toBe(-Infinity);
    expect(rhs('p(95)<infinity')).toBe(Infinity);
    expect(rhs('p(95)<0x1p-2')).toBe(0.25);
    expect(rhs('p(95)<1e-400')).toBe(0);
    expect(rhs('p(95)<00012')).toBe(12);
    expect(Number.isNaN(rhs('p(95)<NaN'))).toBe(true);
    expect(parseThreshold('p(95.)<1').aggregate).toEqual({ kind: 'percentile', p: 95 });
    expect(parseThreshold('p(.5)<1').aggregate).toEqual({ kind: 'percentile', p: 0.5 });
    expect(parseThreshold('p(9_5)<1').aggregate).toEqual({ kind: 'percentile', p: 95 });
    // Spaces around the aggregate and the number are trimmed, as k6 trims them.
    expect(parseThreshold('  p(95)  <  200  ').rhs).toEqual({ kind: 'number', value: 200 });
  });

  it('refuses what k6 refuses: p( 95 ), 1e400, 1__000, a trailing word; the chosen error names the expression', () => {
    expect(() => parseThreshold('p( 95 )<1')).toThrow(/"p\( 95 \)<1".*percentile " 95 " is not a number/);
    expect(() => parseThreshold('p(95)<1e400')).toThrow(/"p\(95\)<1e400".*"1e400" is out of float64's range/);
    expect(() => parseThreshold('p(95)<-1e400')).toThrow(/out of float64's range/);
    expect(() => parseThreshold('p(95)<1__000')).toThrow(/not a number/);
    expect(() => parseThreshold('p(95)<1_000_')).toThrow(/not a number/);
    expect(() => parseThreshold('p(95)<100ms')).toThrow(/not a number/);
    expect(() => parseThreshold('p(95)<0x10')).toThrow(/not a number/); // hex needs its p exponent
    expect(() => parseThreshold('p(95)<')).toThrow(/right-hand side "=" is not a number|no operator/);
    expect(() => parseThreshold('p(95)<1<2')).toThrow(/"1<2" is not a number/);
    expect(() => parseThreshold('avg<=')).toThrow(/"=" is not a number/);
  });

  it('chaosgate is stricter on percentiles outside 0..100 (k6 indexes past its samples)', () => {
    expect(() => parseThreshold('p(101)<5')).toThrow(/percentile 101 is not within 0..100/);
    expect(() => parseThreshold('p(-1)<5')).toThrow(/percentile -1/);
    expect(() => parseThreshold('p(NaN)<5')).toThrow(/percentile NaN/);
  });
});

describe('metric_test.go: TestParseMetricName (every row)', () => {
  const rows: Array<[name: string, input: string, want: { metric: string; filter: Record<string, string> } | null]> = [
    ['metric name without tags', 'test_metric', { metric: 'test_metric', filter: {} }],
    ['metric name with single tag', 'test_metric{abc:123}', { metric: 'test_metric', filter: { abc: '123' } }],
    ['metric name with multiple tags', 'test_metric{abc:123,easyas:doremi}', { metric: 'test_metric', filter: { abc: '123', easyas: 'doremi' } }],
    ['metric name with multiple spaced tags', 'test_metric{abc:123, easyas:doremi}', { metric: 'test_metric', filter: { abc: '123', easyas: 'doremi' } }],
    ['metric name with group tag', 'test_metric{group:::mygroup}', { metric: 'test_metric', filter: { group: '::mygroup' } }],
    ['repeated curly braces tokens in tags definition', 'http_req_duration{name:http://${}.com}', { metric: 'http_req_duration', filter: { name: 'http://${}.com' } }],
    [
      'repeated curly braces and colon tokens in tags definition',
      'http_req_duration{name:http://${}.com,url:ssh://github.com:grafana/k6}',
      { metric: 'http_req_duration', filter: { name: 'http://${}.com', url: 'ssh://github.com:grafana/k6' } },
    ],
    ['tag definition missing `:value`', 'test_metric{easyas}', null],
    ['tag definition missing value', 'test_metric{easyas:}', null],
    ['mixed valid and invalid tag definitions', 'test_metric{abc:123,easyas:}', null],
    ['unmatched opening tags definition token', 'test_metric{abc:123,easyas:doremi', null],
    ['unmatched closing tags definition token', 'test_metricabc:123,easyas:doremi}', null],
    ['invalid starting tags definition token', 'test_metric}abc:123,easyas:doremi}', null],
    ['invalid curly braces in tags definition', 'test_metric}abc{bar', null],
    ['trailing characters after closing curly brace', 'test_metric{foo:ba}r', null],
  ];
  for (const [name, input, want] of rows) {
    it(name, () => {
      if (want === null) expect(() => parseMetricRef(input)).toThrow(/metric "/);
      else expect(parseMetricRef(input)).toEqual({ source: input, ...want });
    });
  }
});

describe('metric_test.go: TestAddSubmetric (every row; `k6 run` also applies ParseMetricName, which refuses a part without a value)', () => {
  const rows: Array<[inner: string, want: Record<string, string> | null]> = [
    ['', null],
    ['  ', null],
    ['a', null], // AddSubmetric alone: {a: ""}; ParseMetricName refuses it
    ['a:1', { a: '1' }],
    [' a : 1 ', { a: '1' }],
    ['a,b', null], // AddSubmetric alone: {a: "", b: ""}; ParseMetricName refuses it
    [` a:"",b: ''`, { a: '', b: '' }],
    ['a:1,b:2', { a: '1', b: '2' }],
    [' a : 1, b : 2 ', { a: '1', b: '2' }],
    [`a : '1' , b : "2"`, { a: '1', b: '2' }],
    [`" a" : ' 1' , b : "2 " `, { ' a': ' 1', b: '2 ' }],
  ];
  for (const [inner, want] of rows) {
    it(JSON.stringify(inner), () => {
      if (want === null) expect(() => parseMetricRef(`metric{${inner}}`)).toThrow(/metric "metric\{/);
      else expect(parseMetricRef(`metric{${inner}}`).filter).toEqual(want);
    });
  }

  it('quotes around tag values are stripped ({name:"GET /x"} selects name GET /x); spaces around the reference are refused', () => {
    expect(parseMetricRef('http_req_duration{name:"GET /x"}').filter).toEqual({ name: 'GET /x' });
    expect(parseMetricRef(`http_req_duration{'name':'GET /x'}`).filter).toEqual({ name: 'GET /x' });
    expect(parseMetricRef('http_req_duration{name:a b:c}').filter).toEqual({ name: 'a b:c' });
    expect(() => parseMetricRef(' http_req_duration')).toThrow(/nothing around it/);
    expect(() => parseMetricRef('http_req_duration ')).toThrow(/nothing around it/);
    expect(() => parseMetricRef('http_req_duration {name:x}')).toThrow(/nothing around it/);
    expect(() => parseMetricRef('http_req_duration{name:x} ')).toThrow(/ends with its "}"/);
  });
});

describe("Go's strconv.ParseFloat (checked with Go's own: `go run` on each input)", () => {
  // input → Go's result: a number, 'syntax' or 'range'.
  const go: Record<string, number | 'syntax' | 'range'> = {
    '': 'syntax',
    ' 5': 'syntax',
    '5 ': 'syntax',
    '+-5': 'syntax',
    '--5': 'syntax',
    '+100': 100,
    '-100': -100,
    '+Inf': Infinity,
    '-inf': -Infinity,
    INFINITY: Infinity,
    infin: 'syntax',
    '+NaN': 'syntax',
    '.': 'syntax',
    '.5': 0.5,
    '5.': 5,
    '95.': 95,
    '00012': 12,
    '0_1': 1,
    '0b101': 'syntax',
    '0o17': 'syntax',
    '0x': 'syntax',
    '0x.p1': 'syntax',
    '0x1': 'syntax',
    '0x1.8p1': 3,
    '0x1.p1': 2,
    '0x1_2p0': 18,
    '0x1p-2': 0.25,
    '0X1P+3': 8,
    '0x_1p0': 1,
    '1.2.3': 'syntax',
    '1.7976931348623157e308': 1.7976931348623157e308,
    '1.7976931348623159e308': 'range',
    '1._5': 'syntax',
    '1_.5': 'syntax',
    '1000_': 'syntax',
    _1000: 'syntax',
    '1__000': 'syntax',
    '1_000': 1000,
    '1_000.5': 1000.5,
    '1_000e1_0': 1e13,
    '1_2.3_4': 12.34,
    '5e1_0': 5e10,
    '5e_10': 'syntax',
    '1e': 'syntax',
    '1e+': 'syntax',
    '1E5': 100000,
    '1e-400': 0,
    '2e-324': 0,
    '4.9e-324': 5e-324,
    '1e400': 'range',
    '-1e400': 'range',
    '1e1000000000000': 'range',
    p: 'syntax',
  };
  for (const [input, want] of Object.entries(go)) {
    it(JSON.stringify(input), () => {
      const r = parseGoFloat(input);
      if (typeof want === 'number') expect(r).toEqual({ ok: true, value: want });
      else expect(r).toEqual({ ok: false, reason: want });
    });
  }
  it('NaN in any case', () => {
    for (const s of ['NaN', 'nan', 'nAn']) expect(Number.isNaN((parseGoFloat(s) as { value: number }).value)).toBe(true);
  });
});
