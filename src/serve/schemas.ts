import { z } from 'zod';

/** Most records one predict call may carry. */
export const MAX_RECORDS = 10_000;

const requestId = z.string().min(1).max(200);

/** `POST /v1/models/:name/predict` body. */
export const predictBodySchema = z
  .strictObject({
    inputs: z.array(z.record(z.string(), z.unknown()), 'expected an array of input records (objects)').min(1, 'expected at least one input record').max(MAX_RECORDS),
    env: z.string().min(1).default('production'),
    /** One id per record; otherwise the X-Request-Id header or generated ids. */
    requestIds: z.array(requestId).optional(),
  })
  .refine((b) => !b.requestIds || b.requestIds.length === b.inputs.length, { message: 'requestIds must have one id per input record', path: ['requestIds'] });
export type PredictBody = z.infer<typeof predictBodySchema>;

/** `POST /v1/feedback` body: ground truth for earlier predictions, by request id. */
export const feedbackBodySchema = z.strictObject({
  feedback: z
    .array(z.strictObject({ requestId, label: z.unknown().refine((v) => v !== undefined, 'expected a label') }))
    .min(1, 'expected at least one { requestId, label }')
    .max(MAX_RECORDS),
});
export type FeedbackBody = z.infer<typeof feedbackBodySchema>;
