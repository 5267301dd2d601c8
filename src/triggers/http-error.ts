/** A refusal the webhook server answers with `status` and the message (its one error edge turns it into JSON). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
