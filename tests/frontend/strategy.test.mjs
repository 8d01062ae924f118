// Runs the real strategy module on layouts a real Home Assistant answered (written by
// tests/test_dashboard.py into $HANYANG_LAYOUTS), with the browser's registries stood in for.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const defined = new Map();
globalThis.HTMLElement = class {};
globalThis.customElements = {
  define: (name, element) => defined.set(name, element),
  get: (name) => defined.get(name),
};

const MODULE = "../../custom_components/hanyang_compound/frontend/hanyang-compound-strategy.js";
await import(MODULE);
// Loaded twice (the frontend may evaluate it again): nothing is registered twice.
await import(`${MODULE}?again`);

const layout = (name) => JSON.parse(readFileSync(join(process.env.HANYANG_LAYOUTS, `${name}.json`), "utf8"));

/** A stand-in for the frontend's hass: only what a strategy uses, answering with a layout. */
function hass(name, language = "en") {
  const requests = [];
  return {
    language,
    requests,
    callWS: async (request) => {
      requests.push(request);
      return layout(name);
    },
  };
}

const dashboard = (name, config = {}, language) =>
  defined.get("ll-strategy-dashboard-hanyang-compound").generate({ type: "custom:hanyang-compound", ...config }, hass(name, language));

/** Every card of a view, nested ones (conditional, entity-filter) included, in order. */
function cards(view) {
  const found = [];
  const visit = (card) => {
    found.push(card);
    if (card.card) visit(card.card);
  };
  for (const section of view.sections) section.cards.forEach(visit);
  return found;
}

const headings = (view) => view.sections.map((section) => section.cards[0].heading);
const entitiesOf = (view) =>
  cards(view).flatMap((card) => [card.entity, ...(card.entities ?? [])].filter(Boolean));

test("the strategies are registered, and offered in Add dashboard", () => {
  assert.ok(defined.get("ll-strategy-dashboard-hanyang-compound"));
  assert.ok(defined.get("ll-strategy-view-hanyang-compound"));
  const offered = globalThis.customStrategies.filter((strategy) => strategy.type === "hanyang-compound");
  assert.equal(offered.length, 1);
  assert.equal(offered[0].strategyType, "dashboard");
  assert.equal(offered[0].name, "Hanyang Compound");
  globalThis.document = { documentElement: { lang: "zh-Hans" } };
  assert.equal(offered[0].name, "汉阳小区");
  delete globalThis.document;
});

test("a compound with every kind of device gets every section", async () => {
  const { title, views } = await dashboard("full");
  const labels = layout("full").labels;
  assert.equal(title, labels.title);
  assert.equal(views.length, 1);
  const [view] = views;
  assert.equal(view.title, "Longdengli");
  assert.equal(view.type, "sections");
  assert.deepEqual(headings(view), [
    labels.mode,
    labels.entrances,
    labels.screenings,
    labels.patrol,
    labels.attention,
    labels.offline,
    labels.assessment,
  ]);
  const shown = entitiesOf(view);
  for (const entity of [
    "select.longdengli_mode",
    "cover.north_gate",
    "binary_sensor.north_gate_fault",
    "button.east_pedestrian_gate_open_door",
    "sensor.east_pedestrian_gate_passes_today",
    "sensor.east_pedestrian_gate_fever_screenings_today",
    "sensor.east_pedestrian_gate_no_mask_screenings_today",
    "binary_sensor.east_pedestrian_gate_fever_alert",
    "binary_sensor.east_pedestrian_gate_no_mask_alert",
    "binary_sensor.north_gate_thermometer_fever",
    "sensor.night_patrol_status",
    "sensor.night_patrol_next_round",
    "calendar.night_patrol_rounds",
    "binary_sensor.manhole_3_needs_attention",
    "binary_sensor.shed_2_overheating",
    "sensor.longdengli_manholes_needing_attention",
    "sensor.longdengli_sheds_overheating",
    "light.east_shed_light",
    "switch.east_shed_sockets",
    "sensor.longdengli_assessment_entrance_availability_today",
    "sensor.longdengli_assessment_patrol_rounds_today",
  ]) {
    assert.ok(shown.includes(entity), `${entity} is on the dashboard`);
  }
  // Only Home Assistant's own cards.
  const types = new Set(cards(view).map((card) => card.type));
  assert.deepEqual(
    [...types].sort(),
    ["calendar", "conditional", "entities", "entity-filter", "heading", "markdown", "tile"],
  );
});

test("the mode switch offers an administrator every mode, whatever the mode is", async () => {
  const [view] = (await dashboard("full")).views;
  const switches = cards(view).filter((card) => card.type === "conditional");
  assert.deepEqual(
    switches.map((card) => [card.conditions[0].state, card.card.features[0].options.sort()]),
    ["normal", "controlled", "lockdown", "evacuation"].map((mode) => [
      mode,
      ["controlled", "evacuation", "lockdown", "normal"],
    ]),
  );
  const rules = cards(view).find((card) => card.type === "markdown");
  assert.match(rules.content, new RegExp(layout("full").labels.override_allowed));
});

test("another user is offered only what the rules let them do", async () => {
  const [view] = (await dashboard("volunteer")).views;
  const offered = Object.fromEntries(
    cards(view)
      .filter((card) => card.type === "conditional")
      .map((card) => [card.conditions[0].state, card.card.features[0]?.options ?? []]),
  );
  // Evacuation for everyone; no lifting a lockdown or ending an evacuation; no restricting
  // unless the compound allows it (it does not here).
  assert.deepEqual(offered, {
    normal: ["normal", "evacuation"],
    controlled: ["controlled", "evacuation"],
    lockdown: ["lockdown", "evacuation"],
    evacuation: [],
  });
  const labels = layout("volunteer").labels;
  const rules = cards(view).find((card) => card.type === "markdown");
  assert.match(rules.content, new RegExp(labels.override_refused));
  assert.match(rules.content, new RegExp(`is_state\\("select.longdengli_mode", "evacuation"\\) %\\}\\{% raw %\\}${labels.changes_none}`));
});

test("each entrance's policy follows the mode live, in a template", async () => {
  const [view] = (await dashboard("full")).views;
  const labels = layout("full").labels;
  const policy = cards(view).find((card) => card.type === "markdown" && card.content.includes(labels.policy));
  const lockdown = policy.content.split('is_state("select.longdengli_mode", "lockdown")')[1].split("{% elif")[0];
  assert.match(lockdown, new RegExp(`North gate\\*\\*: ${labels.policy_shut}`));
  assert.match(lockdown, new RegExp(`East pedestrian gate\\*\\*: ${labels.policy_shut}`));
  const evacuation = policy.content.split('is_state("select.longdengli_mode", "evacuation")')[1];
  assert.match(evacuation, new RegExp(`North gate\\*\\*: ${labels.policy_held_open}`));
});

test("the titles follow the language the integration answered in", async () => {
  const request = hass("chinese", "zh-Hans");
  const generated = await defined.get("ll-strategy-dashboard-hanyang-compound").generate({}, request);
  assert.equal(request.requests[0].language, "zh-Hans");
  assert.equal(generated.title, "小区");
  assert.deepEqual(headings(generated.views[0]).slice(0, 2), ["模式", "出入口"]);
});

test("a compound can be chosen by name or entry id", async () => {
  const request = hass("full");
  await defined.get("ll-strategy-dashboard-hanyang-compound").generate({ compound: "Longdengli" }, request);
  assert.equal(request.requests[0].compound, "Longdengli");
  const view = await defined.get("ll-strategy-view-hanyang-compound").generate({}, hass("full"));
  assert.equal(view.title, "Longdengli");
});

test("a compound without devices gets its mode, and no empty section", async () => {
  const [view] = (await dashboard("empty")).views;
  const labels = layout("empty").labels;
  assert.deepEqual(headings(view), [labels.mode]);
  assert.ok(!JSON.stringify(view).includes("undefined"));
});

test("no compound at all gets a view that says how to add one", async () => {
  const { views } = await dashboard("none");
  assert.equal(views.length, 1);
  assert.match(views[0].cards[0].content, new RegExp(layout("none").labels.no_compound));
});
