/**
 * GS1 Application Identifiers used in stores and warehouses, from the GS1 General
 * Specifications §3.2 (AI table) as encoded in gs1/gs1-syntax-engine's
 * gs1-syntax-dictionary.txt. Not every AI of the standard: an AI missing here makes a scan
 * `unknown` with a reason rather than a guess, because an AI's length cannot be inferred.
 */

export type Charset = 'N' | 'X';

export interface AiDefinition {
  ai: string;
  title: string;
  charset: Charset;
  /** Value length when fixed. */
  length?: number;
  minLength: number;
  maxLength: number;
  /**
   * Pre-defined length AIs (GS1 General Specifications §7.8.5, Figure 7.8.5-2: prefixes
   * 00–04, 11–20, 31–36, 41) need no FNC1 after them in a concatenated element string.
   */
  predefinedLength: boolean;
  /** Number of leading digits that end in a mod-10 check digit (§7.9.1). */
  checkDigitLength?: number;
  /** YYMMDD date; DD = 00 means the last day of the month (§7.12). */
  date?: boolean;
  /** Implied decimal places: the last digit of 31nn–36nn and 39nn AIs (§3.6). */
  decimals?: number;
  /** The value starts with an ISO 4217 numeric currency code (391n, 393n). */
  currency?: boolean;
  /** Digits required at the start of an X value (GRAI 8003: N14 then X..16). */
  numericPrefix?: number;
}

// From gs1-syntax-engine ai.c fixedAIprefixLengths (fixture aiTable.predefinedLengthByPrefix).
const PREDEFINED_PREFIXES = new Set([
  '00',
  '01',
  '02',
  '03',
  '04',
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '20',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '41',
]);

/**
 * Format mini-language: `N18` fixed digits, `X..20` up to 20 characters of the GS1 AI
 * encodable character set 82, optional flags ` csum`, ` date`, ` cur`, ` pfx14`.
 */
function def(ai: string, title: string, format: string, decimals?: number): AiDefinition {
  const [spec = '', ...flags] = format.split(' ');
  const charset = spec.charAt(0) as Charset;
  const variable = spec.includes('..');
  const n = Number(spec.replace(/^[NX](\.\.)?/, ''));
  const d: AiDefinition = {
    ai,
    title,
    charset,
    minLength: variable ? 1 : n,
    maxLength: n,
    predefinedLength: PREDEFINED_PREFIXES.has(ai.slice(0, 2)),
  };
  if (!variable) d.length = n;
  if (flags.includes('csum')) d.checkDigitLength = variable ? 0 : n;
  if (flags.includes('date')) d.date = true;
  if (flags.includes('cur')) {
    d.currency = true;
    d.minLength = 4;
  }
  const pfx = flags.find((f) => f.startsWith('pfx'));
  if (pfx) {
    d.numericPrefix = Number(pfx.slice(3));
    d.minLength = d.numericPrefix;
    d.checkDigitLength = d.numericPrefix;
  }
  if (decimals !== undefined) d.decimals = decimals;
  return d;
}

const entries: AiDefinition[] = [
  def('00', 'SSCC', 'N18 csum'),
  def('01', 'GTIN', 'N14 csum'),
  def('02', 'CONTENT', 'N14 csum'),
  def('03', 'MTO GTIN', 'N14 csum'),
  def('10', 'BATCH/LOT', 'X..20'),
  def('11', 'PROD DATE', 'N6 date'),
  def('12', 'DUE DATE', 'N6 date'),
  def('13', 'PACK DATE', 'N6 date'),
  def('15', 'BEST BEFORE or BEST BY', 'N6 date'),
  def('16', 'SELL BY', 'N6 date'),
  def('17', 'USE BY or EXPIRY', 'N6 date'),
  def('20', 'VARIANT', 'N2'),
  def('21', 'SERIAL', 'X..20'),
  def('22', 'CPV', 'X..20'),
  def('235', 'TPX', 'X..28'),
  def('240', 'ADDITIONAL ID', 'X..30'),
  def('241', 'CUST. PART No.', 'X..30'),
  def('242', 'MTO VARIANT', 'N..6'),
  def('243', 'PCN', 'X..20'),
  def('250', 'SECONDARY SERIAL', 'X..30'),
  def('251', 'REF. TO SOURCE', 'X..30'),
  def('253', 'GDTI', 'X..30 pfx13'),
  def('254', 'GLN EXTENSION COMPONENT', 'X..20'),
  def('255', 'GCN', 'N..25 pfx13'),
  def('30', 'VAR. COUNT', 'N..8'),
  def('37', 'COUNT', 'N..8'),
  def('400', 'ORDER NUMBER', 'X..30'),
  def('401', 'GINC', 'X..30'),
  def('402', 'GSIN', 'N17 csum'),
  def('403', 'ROUTE', 'X..30'),
  def('410', 'SHIP TO LOC', 'N13 csum'),
  def('411', 'BILL TO', 'N13 csum'),
  def('412', 'PURCHASE FROM', 'N13 csum'),
  def('413', 'SHIP FOR LOC', 'N13 csum'),
  def('414', 'LOC No.', 'N13 csum'),
  def('415', 'PAY TO', 'N13 csum'),
  def('416', 'PROD/SERV LOC', 'N13 csum'),
  def('417', 'PARTY', 'N13 csum'),
  def('420', 'SHIP TO POST', 'X..20'),
  def('422', 'ORIGIN', 'N3'),
  def('7003', 'EXPIRY TIME', 'N10'),
  def('8003', 'GRAI', 'X..30 pfx14'),
  def('8004', 'GIAI', 'X..30'),
  def('8005', 'PRICE PER UNIT', 'N6'),
  def('8006', 'ITIP', 'N18'),
  def('8012', 'VERSION', 'X..20'),
  def('8017', 'GSRN - PROVIDER', 'N18 csum'),
  def('8018', 'GSRN - RECIPIENT', 'N18 csum'),
  def('8020', 'REF No.', 'X..25'),
  def('8200', 'PRODUCT URL', 'X..70'),
  def('90', 'INTERNAL', 'X..30'),
];
for (let ai = 91; ai <= 99; ai++) entries.push(def(String(ai), 'INTERNAL', 'X..90'));

// Measures 31nn–36nn: N6 with n implied decimals (§3.6.2 ff.); names for the ones we decode.
const MEASURES: Record<string, string> = {
  '310': 'NET WEIGHT (kg)',
  '311': 'LENGTH (m)',
  '312': 'WIDTH (m)',
  '313': 'HEIGHT (m)',
  '314': 'AREA (m²)',
  '315': 'NET VOLUME (l)',
  '316': 'NET VOLUME (m³)',
  '320': 'NET WEIGHT (lb)',
  '330': 'GROSS WEIGHT (kg)',
  '331': 'LENGTH (m), log',
  '332': 'WIDTH (m), log',
  '333': 'HEIGHT (m), log',
  '334': 'AREA (m²), log',
  '335': 'VOLUME (l), log',
  '336': 'VOLUME (m³), log',
  '340': 'GROSS WEIGHT (lb)',
  '356': 'NET WEIGHT (t oz)',
  '357': 'NET VOLUME (oz)',
};
for (const [stem, title] of Object.entries(MEASURES)) {
  for (let n = 0; n <= 5; n++) entries.push(def(`${stem}${n}`, title, 'N6', n));
}
// Amounts and prices (§3.6.x): 390n/392n local currency, 391n/393n with ISO 4217 prefix.
for (let n = 0; n <= 9; n++) {
  entries.push(def(`390${n}`, 'AMOUNT', 'N..15', n));
  entries.push(def(`391${n}`, 'AMOUNT', 'N..18 cur', n));
  entries.push(def(`392${n}`, 'PRICE', 'N..15', n));
  entries.push(def(`393${n}`, 'PRICE', 'N..18 cur', n));
}
for (let n = 0; n <= 3; n++) entries.push(def(`394${n}`, 'PRCNT OFF', 'N4', n));
for (let n = 0; n <= 5; n++) entries.push(def(`395${n}`, 'PRICE/UoM', 'N6', n));

export const AI_TABLE: ReadonlyMap<string, AiDefinition> = new Map(entries.map((e) => [e.ai, e]));

/**
 * The AI at the start of `data`. GS1 AIs form a prefix-free code (no AI is the start of
 * another), so the first 2-, 3- or 4-digit match is the only one.
 */
export function matchAi(data: string, offset = 0): AiDefinition | undefined {
  for (let len = 2; len <= 4; len++) {
    const candidate = data.slice(offset, offset + len);
    if (candidate.length < len || !/^\d+$/.test(candidate)) return undefined;
    const found = AI_TABLE.get(candidate);
    if (found) return found;
  }
  return undefined;
}
