import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The failure converter of encrypted deployments (`failureConverterPath` of the data converter
 * and of the workflow bundle): a failure's message and stack trace travel as an encoded payload,
 * so the payload codec seals them like any other payload. History shows "Encoded failure".
 * Loaded inside the workflow sandbox too: no Node built-ins here.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
