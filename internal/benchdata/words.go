package benchdata

// Word lists the generated people and answers are drawn from. The names are
// common in England, across backgrounds; every address is under a domain
// reserved for examples, so nothing seeded can ever be delivered.

var firstNames = []string{
	"Aaliyah", "Abdul", "Adam", "Aisha", "Alex", "Alice", "Amara", "Amelia", "Amir", "Ananya",
	"Andrew", "Anna", "Arjun", "Ayesha", "Ben", "Bethany", "Bilal", "Caroline", "Charlotte", "Chen",
	"Chidi", "Chloe", "Chris", "Daniel", "David", "Deepa", "Eleanor", "Eliza", "Emeka", "Emily",
	"Emma", "Farah", "Fatima", "Femi", "Finn", "Gabriel", "Grace", "Hannah", "Harriet", "Harry",
	"Hassan", "Imran", "Isabel", "Jack", "James", "Jasmine", "Jessica", "Jo", "Joseph", "Kate",
	"Kwame", "Laura", "Leila", "Liam", "Lucy", "Maya", "Mei", "Michael", "Mohammed", "Nadia",
	"Naomi", "Nathan", "Niamh", "Noah", "Olivia", "Oliver", "Omar", "Priya", "Rachel", "Rahul",
	"Rebecca", "Rosa", "Ruth", "Sam", "Samuel", "Sara", "Sarah", "Sofia", "Sophie", "Tariq",
	"Thomas", "Tom", "Usman", "Victoria", "Wei", "William", "Yasmin", "Yusuf", "Zainab", "Zoe",
}

var lastNames = []string{
	"Abbott", "Adeyemi", "Ahmed", "Ali", "Allen", "Anderson", "Baker", "Banerjee", "Begum", "Bell",
	"Bennett", "Brown", "Campbell", "Chan", "Chapman", "Clarke", "Collins", "Cooper", "Da Silva", "Davies",
	"Edwards", "Evans", "Fernandes", "Fisher", "Fletcher", "Ford", "Gallagher", "Ghosh", "Gill", "Graham",
	"Green", "Gupta", "Hall", "Harris", "Hassan", "Hill", "Hughes", "Hussain", "Iqbal", "Jackson",
	"James", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Kowalski", "Kumar", "Lee",
	"Lewis", "Li", "Malik", "Martin", "Mensah", "Mistry", "Moore", "Morgan", "Murphy", "Nguyen",
	"Novak", "Obi", "O'Brien", "Okafor", "Osei", "Owen", "Parker", "Patel", "Phillips", "Price",
	"Rahman", "Reid", "Roberts", "Robinson", "Rossi", "Scott", "Shah", "Sharma", "Singh", "Smith",
	"Taylor", "Thomas", "Thompson", "Turner", "Walker", "Wang", "Ward", "Watson", "White", "Williams",
	"Wilson", "Wood", "Wright", "Yang", "Young", "Zhang",
}

var emailDomains = []string{"example.com", "example.org", "example.net"}

var specialties = []string{
	"General surgery", "General practice", "Psychiatry", "Anaesthetics", "Paediatrics", "Emergency medicine",
	"Obstetrics and gynaecology", "Internal medicine training", "Radiology", "Trauma and orthopaedics",
	"Cardiology", "Acute medicine", "Ophthalmology", "Histopathology", "Public health", "Intensive care medicine",
	"Geriatric medicine", "Dermatology", "Oral surgery", "Orthodontics",
}

var employers = []string{
	"Northbridge University Hospitals NHS Foundation Trust", "Riverside and Weald NHS Trust",
	"East Downs Healthcare NHS Trust", "Thameside Teaching Hospitals NHS Foundation Trust",
	"South Coast Community Health NHS Trust", "Marshgate GP Practice", "Hillcrest Surgery",
	"Kingsmead Mental Health NHS Foundation Trust", "Medway Valley Hospitals NHS Trust",
	"Central London Dental Institute",
}

var hopesSentences = []string{
	"I have started to wonder whether my specialty is right for me and would like to talk it through with someone independent.",
	"I would like help to weigh up the options I have before the next round of applications.",
	"My last ARCP did not go as I hoped and I want to think about what to do next.",
	"I am considering less than full time training and would like to understand what that would mean for my career.",
	"I have been unwell this year and my first choice of career feels harder to follow than it did.",
	"I am interested in roles outside clinical medicine and do not know where to start.",
	"I would like to explore my options in confidence before I speak to my supervisor.",
	"I would value help with my CV and with preparing for interviews.",
	"I enjoy teaching and research and want to know how to build them into my career.",
	"I moved to this country recently and would like to understand how training pathways work here.",
	"I feel stuck and would like some structure to think about the next five years.",
	"My family circumstances have changed and I need a career that fits around them.",
	"I have been offered a post elsewhere and am not sure whether to take it.",
	"I want to understand which specialties would suit my strengths and interests.",
	"I would like to return to training after a career break and need a plan.",
}

var timesAnswers = []string{
	"Tuesday or Thursday afternoons", "Any weekday after 5pm", "Mornings before my shift starts",
	"Fridays, as I do not work then", "Lunchtimes if the call is short", "Weekends would be easiest",
	"I work on a rota, so with a few days' notice any time",
}

var adjustmentsAnswers = []string{
	"Written summaries after each session would help me.",
	"I have dyslexia, so extra time to read things through would help.",
	"Please avoid calling during night shifts.",
	"Captions on video calls, please.",
}

var referrerOrgs = []string{
	"Northbridge University Hospitals NHS Foundation Trust", "Riverside and Weald NHS Trust",
	"London School of Paediatrics", "Kent, Surrey and Sussex Foundation School", "South London GP Training Scheme",
}

var level1Answers = []string{
	"Two meetings with the educational supervisor about specialty choice; no decision yet.",
	"We have discussed the trainee's progress at several supervision meetings and agreed they would benefit from independent advice.",
	"The trainee has talked to the college tutor and to the training programme director; they would like specialist careers support.",
	"Supervision meetings over the last six months, and a careers conversation with the foundation programme director.",
}

var noteBodies = []string{
	"Spoke to the trainee on the phone; they are happy to wait for an in-person appointment.",
	"Coach has asked for the referral form to be resent; done.",
	"Trainee asked for sessions after 5pm where possible.",
	"Checked eligibility with the PSU lead: fine to proceed.",
	"Trainee has started a period of sick leave; sessions paused until they are back.",
	"Funding confirmed by the Case Manager by email.",
}

var infoQuestions = []string{
	"Could you tell us the date you expect to complete your training (your CCT date)?",
	"Which region is your training programme based in?",
	"Could you confirm your GMC number? The one on the form has a digit missing.",
	"Are you still in a training post, or have you given up your training number?",
}

var infoAnswers = []string{
	"My CCT date is August next year.",
	"My programme is in Kent, Surrey and Sussex.",
	"Sorry, it should have had a 7 at the end.",
	"I am still in training; my number is current.",
}

var coachBackgrounds = []string{
	"Former GP trainer and qualified career coach.",
	"Careers adviser with a background in surgical education.",
	"Consultant psychiatrist and accredited executive coach.",
	"Occupational psychologist who has worked with doctors in training for ten years.",
	"Former training programme director in acute medicine.",
	"Career coach specialising in transitions out of clinical practice.",
}

var coachSpecialisms = []string{
	"general practice", "surgery", "specialty choice", "interviews", "less-than-full-time training",
	"leaving medicine", "ill health and return to work", "international graduates", "academic careers",
	"psychiatry", "dentistry", "pharmacy", "nursing and midwifery",
}

var closeNotes = []string{
	"Sessions complete; the trainee has a plan for their next application.",
	"The trainee decided to stay in their specialty with adjustments.",
	"The trainee did not reply to three invitations to book.",
	"The trainee has moved to less than full time training.",
	"The trainee withdrew: they no longer need support.",
}
