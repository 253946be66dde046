/**
 * Every string the widget shows, in one table. English is complete and the fallback; a missing key in another
 * locale falls back to English. `{name}` placeholders are filled from params.
 */
const en = {
  'label.cardNumber': 'Card number',
  'label.expiry': 'Expiry (MM/YY)',
  'label.cvc': 'Security code (CVC)',
  'button.pay': 'Pay',
  'button.payAmount': 'Pay {amount}',
  'button.processing': 'Processing…',
  'button.retry': 'Retry',
  'button.resume': 'Resume',
  'button.cancel': 'Cancel',
  'attempts': 'Attempt {attempt} of {max}',
  'session': 'Session {id}',
  'status.idle': 'Preparing checkout…',
  'status.initiated': 'Ready to pay',
  'status.processing': 'Processing payment…',
  'status.interrupted': 'Payment interrupted',
  'status.resumed': 'Ready to pay again',
  'status.completed': 'Payment complete',
  'status.cancelled': 'Checkout cancelled',
  'status.failed_max_retries': 'Max retries exceeded',
  'status.expired': 'Checkout expired',
  'msg.enterCard': 'Enter your card details to pay.',
  'msg.processing': 'Processing your payment. Please keep this page open.',
  'msg.awaiting': 'Waiting for the payment processor to confirm…',
  'msg.completed': 'Payment complete. Thank you!',
  'msg.cancelled': 'The checkout was cancelled.',
  'msg.expired': 'This checkout expired. Reload the page to start again.',
  'msg.maxRetries': 'Max retries exceeded. No more attempts are possible for this checkout.',
  'msg.resumed': 'Attempt {attempt} of {max}: enter a card to try again.',
  'msg.interrupted': 'The payment was interrupted. Resume to continue.',
  'msg.card_declined': 'Your card was declined. Try another card.',
  'msg.insufficient_funds': 'The card has insufficient funds. Try another card.',
  'msg.processor_error': 'The payment processor had a temporary problem. Nothing was charged; please retry.',
  'msg.timeout': 'The payment is taking longer than expected. Retry to check on it: you will not be charged twice.',
  'msg.network': 'No connection to the payment server. The payment continues by itself when you are back online, or press Retry.',
  'msg.queued': 'You are offline. The request is saved and will be sent when the connection returns.',
  'msg.server': 'The payment server had a problem. Please retry.',
  'msg.rateLimited': 'Too many requests. Please wait a moment and retry.',
  'msg.invalid_card_number': 'The card number is not valid.',
  'msg.invalid_expiry': 'The expiry date is not valid (MM/YY).',
  'msg.invalid_cvc': 'The security code is not valid.',
  'msg.invalid_payment_method': 'The card details expired. Please enter them again.',
  'msg.missing_card': 'Enter the card number, expiry date and security code.',
  'msg.order_already_paid': 'This order is already paid.',
  'msg.order_not_found': 'This order could not be found.',
  'msg.session_not_found': 'This checkout could not be found.',
  'msg.missing_order': 'The checkout has no order to pay.',
  'msg.inProgress': 'A payment is already in progress. Waiting for its result…',
  'msg.cancelRefused': 'A payment is being processed; it cannot be cancelled until its outcome is known.',
  'msg.otherTab': 'This checkout is open in another window; it continues there.',
  'msg.unexpected': 'Something went wrong. Please retry.',
};

export type StringKey = keyof typeof en;
type Table = Partial<Record<StringKey, string>>;

const fr: Table = {
  'label.cardNumber': 'Numéro de carte',
  'label.expiry': 'Expiration (MM/AA)',
  'label.cvc': 'Code de sécurité (CVC)',
  'button.pay': 'Payer',
  'button.payAmount': 'Payer {amount}',
  'button.processing': 'Traitement…',
  'button.retry': 'Réessayer',
  'button.resume': 'Reprendre',
  'button.cancel': 'Annuler',
  'attempts': 'Tentative {attempt} sur {max}',
  'session': 'Session {id}',
  'status.idle': 'Préparation du paiement…',
  'status.initiated': 'Prêt à payer',
  'status.processing': 'Paiement en cours…',
  'status.interrupted': 'Paiement interrompu',
  'status.resumed': 'Prêt à payer de nouveau',
  'status.completed': 'Paiement effectué',
  'status.cancelled': 'Paiement annulé',
  'status.failed_max_retries': 'Nombre maximal de tentatives atteint',
  'status.expired': 'Paiement expiré',
  'msg.enterCard': 'Saisissez votre carte pour payer.',
  'msg.processing': 'Paiement en cours. Gardez cette page ouverte.',
  'msg.awaiting': 'En attente de la confirmation du processeur…',
  'msg.completed': 'Paiement effectué. Merci !',
  'msg.cancelled': 'Le paiement a été annulé.',
  'msg.expired': 'Ce paiement a expiré. Rechargez la page pour recommencer.',
  'msg.maxRetries': 'Nombre maximal de tentatives atteint. Aucune autre tentative n’est possible.',
  'msg.resumed': 'Tentative {attempt} sur {max} : saisissez une carte pour réessayer.',
  'msg.interrupted': 'Le paiement a été interrompu. Reprenez pour continuer.',
  'msg.card_declined': 'Votre carte a été refusée. Essayez une autre carte.',
  'msg.insufficient_funds': 'Fonds insuffisants sur la carte. Essayez une autre carte.',
  'msg.processor_error': 'Le processeur de paiement a eu un problème passager. Rien n’a été débité ; réessayez.',
  'msg.timeout': 'Le paiement prend plus de temps que prévu. Réessayez pour vérifier : vous ne serez pas débité deux fois.',
  'msg.network': 'Pas de connexion au serveur de paiement. Le paiement reprendra dès le retour du réseau, ou appuyez sur Réessayer.',
  'msg.queued': 'Vous êtes hors ligne. La demande est gardée et sera envoyée au retour de la connexion.',
  'msg.server': 'Le serveur de paiement a eu un problème. Réessayez.',
  'msg.rateLimited': 'Trop de demandes. Patientez un instant puis réessayez.',
  'msg.invalid_card_number': 'Le numéro de carte n’est pas valide.',
  'msg.invalid_expiry': 'La date d’expiration n’est pas valide (MM/AA).',
  'msg.invalid_cvc': 'Le code de sécurité n’est pas valide.',
  'msg.invalid_payment_method': 'Les données de carte ont expiré. Saisissez-les de nouveau.',
  'msg.missing_card': 'Saisissez le numéro de carte, la date d’expiration et le code de sécurité.',
  'msg.order_already_paid': 'Cette commande est déjà payée.',
  'msg.order_not_found': 'Cette commande est introuvable.',
  'msg.session_not_found': 'Ce paiement est introuvable.',
  'msg.missing_order': 'Aucune commande à payer.',
  'msg.inProgress': 'Un paiement est déjà en cours. En attente de son résultat…',
  'msg.cancelRefused': 'Un paiement est en cours ; il ne peut pas être annulé avant d’en connaître le résultat.',
  'msg.otherTab': 'Ce paiement est ouvert dans une autre fenêtre ; il continue là-bas.',
  'msg.unexpected': 'Une erreur est survenue. Réessayez.',
};

export const STRINGS: Record<string, Table> = { en, fr };
export const SUPPORTED_LOCALES = Object.keys(STRINGS);

/** `fr-CA` → `fr`; unknown → `en`. */
export function resolveLocale(wanted: string | null | undefined): string {
  const base = (wanted ?? '').toLowerCase().split(/[-_]/)[0];
  return base && base in STRINGS ? base : 'en';
}

export function translate(locale: string, key: string, params?: Record<string, string | number>): string {
  const table = STRINGS[locale] ?? en;
  const text = (table as Record<string, string | undefined>)[key] ?? (en as Record<string, string>)[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}
