/** One benchmark's figures; `scenario` names it, the rest are numbers for the table/JSON. */
export type ScenarioResult = { scenario: string } & Record<string, number | string>;

/** A named benchmark. */
export interface Scenario {
  name: string;
  description: string;
  run(): Promise<ScenarioResult>;
}
