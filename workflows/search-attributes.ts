import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes of Maestro runs, defined once. They make runs findable in the
 * Web UI and by `maestro list`; never put secrets in them (they are not encrypted).
 */
export const SEARCH_ATTRIBUTES = {
  plan: defineSearchAttributeKey('MaestroPlan', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('MaestroState', SearchAttributeType.KEYWORD),
  wave: defineSearchAttributeKey('MaestroWave', SearchAttributeType.INT),
  services: defineSearchAttributeKey('MaestroServices', SearchAttributeType.KEYWORD_LIST),
} as const;

/** name → type, as the dev server's `--search-attribute Name=Type` and the test server want them. */
export function searchAttributeDeclarations(): Array<{ name: string; type: SearchAttributeType }> {
  return Object.values(SEARCH_ATTRIBUTES).map((key) => ({ name: key.name, type: key.type }));
}
