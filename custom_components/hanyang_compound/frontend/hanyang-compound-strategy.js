// The compound dashboard: a Home Assistant dashboard strategy (and view strategy) built only of
// Home Assistant's own cards, so it follows the theme and updates live. The integration serves this
// file as it is (no build step) and answers `hanyang_compound/dashboard` with each compound's
// devices, entities, entrance policies, the changes the asking user may make and the titles in
// the user's language, taken from the integration's translations.

const LAYOUT_COMMAND = "hanyang_compound/dashboard";
const STRATEGY = "hanyang-compound";
const MODES = ["normal", "controlled", "lockdown", "evacuation"];
/** A card across its whole section, where names are long (an entrance, a route). */
const WIDE = { grid_options: { columns: 12 } };
const DOCUMENTATION = "https://github.com/hanyang-compound/hanyang-compound#the-compound-dashboard-小区看板";

/** Ask the integration for the layout, of one compound when the configuration names it. */
export async function fetchLayout(config, hass) {
  const request = { type: LAYOUT_COMMAND, language: hass.language };
  if (config.compound) request.compound = String(config.compound);
  return hass.callWS(request);
}

/** Return the dashboard: one view per compound, or a view that says there is none. */
export function dashboardConfig(layout) {
  const { labels, compounds } = layout;
  if (compounds.length === 0) {
    return {
      title: labels.title,
      views: [
        {
          title: labels.title,
          path: "compounds",
          cards: [{ type: "markdown", content: raw(labels.no_compound) }],
        },
      ],
    };
  }
  return { title: labels.title, views: compounds.map((compound) => compoundView(compound, labels)) };
}

/** Return one compound's view: its sections, in the order a manager reads them. */
export function compoundView(compound, labels) {
  const devices = (kind) => compound.devices.filter((device) => device.kind === kind);
  const sections = [
    modeSection(compound, labels),
    entranceSection(compound, labels),
    screeningSection(devices("access_terminal"), devices("ble_thermometer"), labels),
    patrolSection(devices("patrol_route"), labels),
    attentionSection(compound, labels),
    offlineSection(compound, labels),
    assessmentSection(compound, labels),
  ].filter((section) => section !== null);
  return {
    type: "sections",
    title: compound.name,
    path: slug(compound.entry_id),
    max_columns: 4,
    sections,
  };
}

function section(title, icon, cards) {
  return { type: "grid", cards: [{ type: "heading", heading: title, icon }, ...cards] };
}

function tile(entity, extra = {}) {
  return { type: "tile", entity, ...extra };
}

/** The mode, the mode switch limited to what this user may choose, and the rules in words. */
function modeSection(compound, labels) {
  const modeEntity = compound.entities.mode;
  if (!modeEntity) return null;
  const cards = MODES.map((mode) => {
    const allowed = compound.changes[mode] ?? [];
    const features = allowed.length ? [{ type: "select-options", options: [mode, ...allowed] }] : [];
    return {
      type: "conditional",
      conditions: [{ condition: "state", entity: modeEntity, state: mode }],
      card: tile(modeEntity, { features }),
    };
  });
  const rules = Object.fromEntries(
    MODES.map((mode) => {
      const allowed = compound.changes[mode] ?? [];
      const change = allowed.length
        ? `${labels.changes_allowed} ${allowed.map((target) => labels[`mode_${target}`]).join(", ")}`
        : labels.changes_none;
      return [mode, change];
    }),
  );
  const override = compound.may_override ? labels.override_allowed : labels.override_refused;
  cards.push({
    type: "markdown",
    text_only: true,
    content: `${byMode(modeEntity, rules)}\n\n${raw(override)}`,
  });
  return section(labels.mode, "mdi:shield-home", cards);
}

/** Every gate and door, with what the current mode's policy does to it. */
function entranceSection(compound, labels) {
  const entrances = compound.devices.filter((device) => device.policy);
  if (entrances.length === 0) return null;
  const cards = [];
  const faults = [];
  for (const entrance of entrances) {
    const { gate, open_door: openDoor, gate_fault: fault } = entrance.entities;
    if (gate) {
      cards.push(tile(gate, { name: entrance.name, features: [{ type: "cover-open-close" }], ...WIDE }));
    }
    // A door's button has no state worth showing (when it was last pressed); its name opens it.
    if (openDoor) cards.push(tile(openDoor, { name: entrance.name, hide_state: true, ...WIDE }));
    if (fault) faults.push(fault);
  }
  if (faults.length) {
    // A gate's fault is worth a line only while there is one.
    cards.push({
      type: "entity-filter",
      entities: faults,
      state_filter: ["on"],
      show_empty: false,
      card: { type: "entities", title: labels.faults },
    });
  }
  const modeEntity = compound.entities.mode;
  if (modeEntity) {
    const policies = Object.fromEntries(
      MODES.map((mode) => [
        mode,
        entrances
          .map((entrance) => `- **${entrance.name}**: ${labels[`policy_${entrance.policy[mode]}`]}`)
          .join("\n"),
      ]),
    );
    cards.push({ type: "markdown", content: `### ${raw(labels.policy)}\n${byMode(modeEntity, policies)}` });
  }
  return section(labels.entrances, "mdi:gate", cards);
}

/** Today's screenings at the terminals and thermometers, and the alerts still open. */
function screeningSection(terminals, thermometers, labels) {
  if (terminals.length === 0 && thermometers.length === 0) return null;
  const counts = [];
  const alerts = [];
  for (const terminal of terminals) {
    const { passes_today: passes, fever_today: fever, no_mask_today: noMask } = terminal.entities;
    for (const entity of [passes, fever, noMask]) if (entity) counts.push(entity);
    for (const alert of [terminal.entities.fever_alert, terminal.entities.no_mask_alert]) {
      if (alert) alerts.push(alert);
    }
  }
  for (const thermometer of thermometers) {
    if (thermometer.entities.body_temperature) counts.push(thermometer.entities.body_temperature);
    if (thermometer.entities.fever) alerts.push(thermometer.entities.fever);
  }
  const cards = [{ type: "entities", entities: counts }];
  if (alerts.length) {
    cards.push({
      type: "entity-filter",
      entities: alerts,
      state_filter: ["on"],
      show_empty: false,
      card: { type: "entities", title: labels.open_alerts },
    });
  }
  return section(labels.screenings, "mdi:thermometer-check", cards);
}

/** Each patrol route's status, next round and progress, and the rounds on a calendar. */
function patrolSection(routes, labels) {
  if (routes.length === 0) return null;
  const cards = [];
  const calendars = [];
  for (const route of routes) {
    const { patrol_status: status, next_round: next, progress, start_round: start } = route.entities;
    if (status) cards.push(tile(status, { name: route.name, ...WIDE }));
    for (const entity of [next, progress, start]) if (entity) cards.push(tile(entity, WIDE));
    if (route.entities.rounds) calendars.push(route.entities.rounds);
  }
  if (calendars.length) cards.push({ type: "calendar", entities: calendars, initial_view: "listWeek" });
  return section(labels.patrol, "mdi:walk", cards);
}

/** Manholes and sheds: the compound's counts, what needs attention now, and the shed circuits. */
function attentionSection(compound, labels) {
  const sensors = compound.devices.filter((device) => device.kind === "bthome_sensor");
  const circuits = compound.devices.filter((device) => ["shed_light", "shed_socket"].includes(device.kind));
  const counts = ["manholes_needing_attention", "sheds_overheating"]
    .map((key) => compound.entities[key])
    .filter(Boolean);
  if (sensors.length === 0 && circuits.length === 0) return null;
  const cards = counts.map((entity) => tile(entity, WIDE));
  const problems = sensors.flatMap((sensor) =>
    ["needs_attention", "overheating", "flooded", "cover_open", "tilted"]
      .map((key) => sensor.entities[key])
      .filter(Boolean),
  );
  if (problems.length) {
    cards.push({
      type: "entity-filter",
      entities: problems,
      state_filter: ["on"],
      show_empty: false,
      card: { type: "entities", title: labels.needs_attention },
    });
  }
  for (const circuit of circuits) {
    const entity = circuit.entities.light ?? circuit.entities.switch ?? circuit.entities.outlet;
    if (entity) cards.push(tile(entity, { name: circuit.name, ...WIDE }));
  }
  return section(labels.attention, "mdi:alert-circle-outline", cards);
}

/** The devices whose link is down now, by name, or a line that says all answer. */
function offlineSection(compound, labels) {
  const watched = compound.devices.filter((device) => device.status_entity);
  if (watched.length === 0) return null;
  const names = Object.fromEntries(watched.map((device) => [device.status_entity, device.name]));
  const content = [
    `{% set names = ${JSON.stringify(names)} %}`,
    "{% set offline = names | select('is_state', 'unavailable') | list %}",
    "{% for entity in offline %}- {{ names[entity] }}\n{% endfor %}",
    `{% if not offline %}${raw(labels.all_online)}{% endif %}`,
  ].join("\n");
  return section(labels.offline, "mdi:lan-disconnect", [{ type: "markdown", content }]);
}

/** The service assessment's indicators today. */
function assessmentSection(compound, labels) {
  const indicators = Object.entries(compound.entities)
    .filter(([key]) => key.startsWith("assessment_"))
    .map(([, entity]) => tile(entity, WIDE));
  if (indicators.length === 0) return null;
  return section(labels.assessment, "mdi:clipboard-check-outline", indicators);
}

/** A template that shows the text of the mode the compound is in now, so it changes live. */
function byMode(modeEntity, textByMode) {
  const branches = MODES.map(
    (mode, index) => `{% ${index ? "elif" : "if"} is_state(${JSON.stringify(modeEntity)}, "${mode}") %}${raw(textByMode[mode])}`,
  );
  return `${branches.join("")}{% endif %}`;
}

/** Text that the markdown card's template engine shows as it is (a name may hold braces). */
function raw(text) {
  return `{% raw %}${text ?? ""}{% endraw %}`;
}

function slug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** The dashboard strategy: `strategy: {type: custom:hanyang-compound}`, optionally `compound: <entry id or name>`. */
export class HanyangCompoundDashboardStrategy extends (globalThis.HTMLElement ?? class {}) {
  static async generate(config, hass) {
    return dashboardConfig(await fetchLayout(config, hass));
  }
}

/** The view strategy: one compound's view inside a dashboard of the user's own. */
export class HanyangCompoundViewStrategy extends (globalThis.HTMLElement ?? class {}) {
  static async generate(config, hass) {
    const layout = await fetchLayout(config, hass);
    return dashboardConfig(layout).views[0];
  }
}

/** The picker's two texts, the one place the module holds words of its own (both languages). */
const PICKER_TEXTS = {
  en: { name: "Hanyang Compound", description: "Mode, entrances, screenings, patrols and devices of each compound" },
  "zh-Hans": { name: "汉阳小区", description: "各小区的模式、出入口、筛查、巡逻和设备" },
};

function pickerText() {
  const language = globalThis.document?.documentElement?.lang ?? "en";
  return language.startsWith("zh") ? PICKER_TEXTS["zh-Hans"] : PICKER_TEXTS.en;
}

function register() {
  const elements = globalThis.customElements;
  if (!elements) return;
  if (!elements.get(`ll-strategy-dashboard-${STRATEGY}`)) {
    elements.define(`ll-strategy-dashboard-${STRATEGY}`, HanyangCompoundDashboardStrategy);
  }
  if (!elements.get(`ll-strategy-view-${STRATEGY}`)) {
    elements.define(`ll-strategy-view-${STRATEGY}`, HanyangCompoundViewStrategy);
  }
  // Home Assistant 2026.5+ offers the strategies listed here in Settings → Dashboards → Add dashboard.
  const offered = (globalThis.customStrategies ??= []);
  if (!offered.some((strategy) => strategy.type === STRATEGY)) {
    offered.push({
      type: STRATEGY,
      strategyType: "dashboard",
      documentationURL: DOCUMENTATION,
      // The picker shows these before any layout is asked for: read in the page's language then.
      get name() {
        return pickerText().name;
      },
      get description() {
        return pickerText().description;
      },
    });
  }
}

register();
