import { Option } from 'commander';

/** `--format text|json`, the option of every command that prints something a script may read. */
export const format = () => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

/** Collects a repeatable option (`--param a=1 --param b=2`) into a list. */
export const collect = (value: string, previous: string[]) => [...previous, value];
