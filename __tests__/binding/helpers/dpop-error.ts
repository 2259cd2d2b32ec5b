import { MtlsError } from '../../../lib/errors';

/** Stands in for the DPoP proof error a proof verifier reports (its class lands separately). */
export class InvalidDpopProofLike extends MtlsError {
  constructor() {
    super(
      'ERR_MTLS_INVALID_TOKEN',
      401,
      { error: 'invalid_dpop_proof', error_description: 'invalid DPoP proof' },
      'signature',
    );
  }
}
